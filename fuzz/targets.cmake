# The fuzz targets, each "name:library,library": fuzz/NAME.cpp tests what
# those vigil libraries parse. Included by fuzz/CMakeLists.txt (libFuzzer
# executables) and tests/CMakeLists.txt (the regression test that replays
# fuzz/regressions/NAME/ and fuzz/corpus/NAME/ in the normal test run).
set(VIGIL_FUZZ_TARGETS
  "csv_reader:vigil_io"
  "case_csv:vigil_io"
  "capture_histories:vigil_mse"
  "formula:vigil_glm"
  "data_frame:vigil_glm"
  "toml_config:vigil_link,vigil_simulate,vigil_index"
  "categorical_csv:vigil_publish"
  "agency_list:vigil_link")

# vigil_fuzz_target_parts(ENTRY NAME_VAR LIBRARIES_VAR)
function(vigil_fuzz_target_parts entry name_var libraries_var)
  string(REPLACE ":" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 libraries)
  string(REPLACE "," ";" libraries "${libraries}")
  set(${name_var} "${name}" PARENT_SCOPE)
  set(${libraries_var} "${libraries}" PARENT_SCOPE)
endfunction()
