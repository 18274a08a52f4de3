-- Independent peer of `vigil profile --db ... --country C --format json`:
-- the same first figures, computed by SQLite itself from vigil's `cases`
-- table (one row per record; countries stored as alpha-3 text, flags as
-- INTEGER 0/1/NULL). bench/import_profile.sh runs it with the sqlite3 shell
-- after `.parameter set @country 'KAZ'`, and bench/profile_peer.py checks
-- vigil's JSON against the one JSON object it prints.
--
-- Definitions (src/profile/profile.hpp, CTDC codebook v2024 section 6):
-- the described records are those exploited in the country; domestic: their
-- citizenship is the country; foreign: their citizenship is known and
-- another; a labour-sector flag group's denominator is the described records
-- with at least one labour-sector flag equal to 1.
WITH described AS (
  SELECT * FROM cases WHERE country_of_exploitation = @country
)
SELECT json_object(
  'total', (SELECT count(*) FROM described),
  'domestic', (SELECT count(*) FROM described WHERE citizenship = @country),
  'foreign', (SELECT count(*) FROM described
              WHERE citizenship IS NOT NULL AND citizenship <> @country),
  'by_year', (SELECT json_group_object(year_of_registration, n)
              FROM (SELECT year_of_registration, count(*) AS n FROM described
                    WHERE year_of_registration IS NOT NULL GROUP BY year_of_registration)),
  'citizenship', (SELECT json_group_object(citizenship, n)
                  FROM (SELECT citizenship, count(*) AS n FROM described
                        WHERE citizenship IS NOT NULL GROUP BY citizenship)),
  'destinations_abroad', (SELECT json_group_object(country_of_exploitation, n)
                          FROM (SELECT country_of_exploitation, count(*) AS n FROM cases
                                WHERE citizenship = @country
                                  AND country_of_exploitation IS NOT NULL
                                  AND country_of_exploitation <> @country
                                GROUP BY country_of_exploitation)),
  'labour_sector', (
    SELECT json_object(
      'counts', json_object(
        'labour_agriculture', count(CASE WHEN labour_agriculture = 1 THEN 1 END),
        'labour_aquafarming', count(CASE WHEN labour_aquafarming = 1 THEN 1 END),
        'labour_begging', count(CASE WHEN labour_begging = 1 THEN 1 END),
        'labour_construction', count(CASE WHEN labour_construction = 1 THEN 1 END),
        'labour_domestic_work', count(CASE WHEN labour_domestic_work = 1 THEN 1 END),
        'labour_hospitality', count(CASE WHEN labour_hospitality = 1 THEN 1 END),
        'labour_illicit_activities', count(CASE WHEN labour_illicit_activities = 1 THEN 1 END),
        'labour_manufacturing', count(CASE WHEN labour_manufacturing = 1 THEN 1 END),
        'labour_mining_or_drilling', count(CASE WHEN labour_mining_or_drilling = 1 THEN 1 END),
        'labour_peddling', count(CASE WHEN labour_peddling = 1 THEN 1 END),
        'labour_transportation', count(CASE WHEN labour_transportation = 1 THEN 1 END),
        'labour_other', count(CASE WHEN labour_other = 1 THEN 1 END)),
      -- `1 IN (...)` is true when any flag is 1 and NULL or false otherwise.
      'denominator', count(CASE WHEN 1 IN (labour_agriculture, labour_aquafarming,
                                           labour_begging, labour_construction,
                                           labour_domestic_work, labour_hospitality,
                                           labour_illicit_activities, labour_manufacturing,
                                           labour_mining_or_drilling, labour_peddling,
                                           labour_transportation, labour_other)
                                THEN 1 END),
      'missing', count(*) - count(CASE WHEN 1 IN (labour_agriculture, labour_aquafarming,
                                                  labour_begging, labour_construction,
                                                  labour_domestic_work, labour_hospitality,
                                                  labour_illicit_activities,
                                                  labour_manufacturing,
                                                  labour_mining_or_drilling, labour_peddling,
                                                  labour_transportation, labour_other)
                                       THEN 1 END))
    FROM described)
);
