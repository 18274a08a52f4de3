#include "core/distributions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"

namespace vigil {
namespace {

// Reference values are R 4.2.2's, printed with sprintf("%.17g"); the R
// commands are given above each table (f <- function(x) sprintf("%.17g", x)).
//
// Tolerance: 1e-12 relative throughout, met everywhere with a wide margin:
// against high-precision values (mpmath, 50 digits) vigil's tails are within
// ~1e-15 relative for moderate arguments and ~1e-13 for tails below 1e-200,
// where the exponent of ~-460 carries its own rounding; R's are alike.
constexpr double kTolerance = 1e-12;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

void expect_relative(double actual, double expected, double tolerance = kTolerance) {
  if (expected == 0) {
    // R underflows to 0 where the value is below ~1e-308; so must vigil.
    EXPECT_LE(std::abs(actual), 1e-300);
    return;
  }
  EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected))
      << "actual " << actual << " expected " << expected << " relative error "
      << std::abs(actual - expected) / std::abs(expected);
}

struct OneArgument {
  double x;
  double expected;
};

struct TwoArguments {
  double x;
  double df;
  double expected;
};

struct TwoTails {
  double x;
  double df;
  double lower;
  double upper;
};

// for (x in c(-37.5, -30, -8.3, -1.96, -0.5, 0, 1e-8, 1, 3)) row(x, pnorm(x))
TEST(NormalDistribution, CdfMatchesR) {
  const std::vector<OneArgument> cases = {
      {-37.5, 4.6053530095819552e-308}, {-30, 4.9067139271481872e-198},
      {-8.3, 5.2055697448902552e-17},   {-1.96, 0.024997895148220428},
      {-0.5, 0.30853753872598694},      {0, 0.5},
      {1e-08, 0.50000000398942279},     {1, 0.84134474606854293},
      {3, 0.9986501019683699},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.x);
    expect_relative(normal_cdf(c.x), c.expected);
  }
}

// for (x in c(-3, 0.5, 1.96, 5, 8.3, 20, 30, 37.5)) row(x, pnorm(x, lower.tail=FALSE))
TEST(NormalDistribution, UpperTailMatchesRFarOut) {
  const std::vector<OneArgument> cases = {
      {-3, 0.9986501019683699},      {0.5, 0.30853753872598694},      {1.96, 0.024997895148220428},
      {5, 2.8665157187919391e-07},   {8.3, 5.2055697448902552e-17},   {20, 2.7536241186062337e-89},
      {30, 4.9067139271481872e-198}, {37.5, 4.6053530095819552e-308},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.x);
    expect_relative(normal_upper_tail(c.x), c.expected);
  }
}

// for (p in c(1e-300, 1e-100, 1e-10, 0.001, 0.025, 0.3, 0.5, 0.6, 0.975, 0.999999))
//   row(p, qnorm(p))
TEST(NormalDistribution, QuantileMatchesR) {
  const std::vector<OneArgument> cases = {
      {1e-300, -37.047096299361201},
      {1e-100, -21.273453560965319},
      {1e-10, -6.3613409024040557},
      {0.001, -3.0902323061678132},
      {0.025, -1.9599639845400538},
      {0.3, -0.52440051270804067},
      {0.5, 0},
      {0.6, 0.25334710313579978},
      {0.975, 1.9599639845400536},
      {0.999999, 4.7534243088170891},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.x);
    expect_relative(normal_quantile(c.x), c.expected);
  }
  EXPECT_EQ(normal_quantile(0), -kInfinity);
  EXPECT_EQ(normal_quantile(1), kInfinity);
}

// for (df in c(1, 2, 2.5, 30, 1e6)) for (t in c(0.5, 1.96, 5, 40))
//   row(t, df, pt(t, df, lower.tail=FALSE))
TEST(StudentT, UpperTailMatchesR) {
  const std::vector<TwoArguments> cases = {
      {0.5, 1, 0.35241638234956679},        {1.96, 1, 0.15017144588801654},
      {5, 1, 0.06283295818900117},          {40, 1, 0.007956089912025812},
      {0.5, 2, 0.33333333333333337},        {1.96, 2, 0.094528654800866113},
      {5, 2, 0.018874775675311862},         {40, 2, 0.0003122073360923703},
      {0.5, 2.5, 0.32884895993485741},      {1.96, 2.5, 0.081473782236406972},
      {5, 2.5, 0.011725594985430922},       {40, 2.5, 7.0978171452466926e-05},
      {0.5, 30, 0.31036150244256366},       {1.96, 30, 0.029671156448025263},
      {5, 30, 1.1648342733503893e-05},      {40, 30, 6.8630225972031808e-28},
      {0.5, 1000000, 0.30853759373618583},  {1.96, 1000000, 0.024998033792634898},
      {5, 1000000, 2.8669989354453676e-07}, {40, 1000000, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "t " << c.x << " df " << c.df);
    expect_relative(student_t_upper_tail(c.x, c.df), c.expected);
  }
}

// for (df in c(1, 2, 2.5, 30, 1e6)) for (t in c(-40, -3, 1.5)) row(t, df, pt(t, df))
TEST(StudentT, CdfMatchesR) {
  const std::vector<TwoArguments> cases = {
      {-40, 1, 0.007956089912025812},
      {-3, 1, 0.10241638234956672},
      {1.5, 1, 0.81283295818900125},
      {-40, 2, 0.0003122073360923703},
      {-3, 2, 0.047732983133354563},
      {1.5, 2, 0.86380343755449951},
      {-40, 2.5, 7.0978171452466926e-05},
      {-3, 2.5, 0.036288047774515921},
      {1.5, 2.5, 0.8760817734568519},
      {-40, 30, 6.8630225972031808e-28},
      {-3, 30, 0.0026949820328259705},
      {1.5, 30, 0.92796703543567693},
      {-40, 1000000, 0},
      {-3, 1000000, 0.0013499312707108962},
      {1.5, 1000000, 0.93319264088160359},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "t " << c.x << " df " << c.df);
    expect_relative(student_t_cdf(c.x, c.df), c.expected);
  }
}

// for (df in c(1, 2, 2.5, 30, 1e6)) for (p in c(1e-10, 0.025, 0.3, 0.5, 0.975))
//   row(p, df, qt(p, df))
TEST(StudentT, QuantileMatchesR) {
  const std::vector<TwoArguments> cases = {
      {1e-10, 1, -3183098861.8379064},
      {0.025, 1, -12.706204736174707},
      {0.3, 1, -0.72654252800536101},
      {0.5, 1, 0},
      {0.975, 1, 12.706204736174694},
      {1e-10, 2, -70710.678108048145},
      {0.025, 2, -4.3026527297494637},
      {0.3, 2, -0.61721339984836765},
      {0.5, 2, 0},
      {0.975, 2, 4.3026527297494619},
      {1e-10, 2.5, -8765.4377713645972},
      {0.025, 2.5, -3.5746548420036932},
      {0.3, 2.5, -0.59730773825231553},
      {0.5, 2.5, 0},
      {0.975, 2.5, 3.5746548420036919},
      {1e-10, 30, -9.377489780407144},
      {0.025, 30, -2.0422724563012382},
      {0.3, 30, -0.53001900390650458},
      {0.5, 30, 0},
      {0.975, 30, 2.0422724563012378},
      {1e-10, 1000000, -6.3614068488767419},
      {0.025, 1000000, -1.9599663568141066},
      {0.3, 1000000, -0.52440067986020866},
      {0.5, 1000000, 0},
      {0.975, 1000000, 1.9599663568141066},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "p " << c.x << " df " << c.df);
    expect_relative(student_t_quantile(c.x, c.df), c.expected);
  }
}

TEST(StudentT, InfiniteDegreesOfFreedomIsNormal) {
  EXPECT_EQ(student_t_upper_tail(1.96, kInfinity), normal_upper_tail(1.96));
  EXPECT_EQ(student_t_quantile(0.975, kInfinity), normal_quantile(0.975));
}

TEST(StudentT, QuantileInvertsTheCdfFarOut) {
  for (const double df : {1.5, 3.0, 7.25, 40.0, 1e4}) {
    for (const double p : {1e-200, 1e-30, 1e-6, 0.2, 0.49, 0.51, 0.9}) {
      SCOPED_TRACE(testing::Message() << "p " << p << " df " << df);
      expect_relative(student_t_cdf(student_t_quantile(p, df), df), p, 1e-12);
    }
  }
}

// for (df in c(1, 2, 2.5, 30)) for (x in c(1e-3, 1, 3.84, 50, 300))
//   row(x, df, pchisq(x, df), pchisq(x, df, lower.tail=FALSE))
// for (x in c(990000, 1e6, 1005000, 1010000))
//   row(x, 1e6, pchisq(x, 1e6), pchisq(x, 1e6, lower.tail=FALSE))
TEST(ChiSquared, BothTailsMatchR) {
  const std::vector<TwoTails> cases = {
      {0.001, 1, 0.025227120630039609, 0.97477287936996038},
      {1, 1, 0.68268949213708596, 0.31731050786291415},
      {3.84, 1, 0.94995647875129474, 0.050043521248705224},
      {50, 1, 0.99999999999846256, 1.5374597944280343e-12},
      {300, 1, 1, 3.294362383314041e-67},
      {0.001, 2, 0.0004998750208307295, 0.99950012497916929},
      {1, 2, 0.39346934028736658, 0.60653065971263342},
      {3.84, 2, 0.85339303786964982, 0.14660696213035015},
      {50, 2, 0.99999999998611211, 1.3887943864964021e-11},
      {300, 2, 1, 7.1750959731644108e-66},
      {0.001, 2.5, 6.597217091898476e-05, 0.99993402782908103},
      {1, 2.5, 0.28378995266531304, 0.71621004733468696},
      {3.84, 2.5, 0.79044020732729237, 0.20955979267270763},
      {50, 2.5, 0.99999999996540589, 3.459412831279615e-11},
      {300, 2.5, 1, 2.7749112361135009e-65},
      {0.001, 30, 2.3326354880142099e-62, 1},
      {1, 30, 1.4610500924439225e-17, 1},
      {3.84, 30, 2.2606354465818337e-09, 0.99999999773936454},
      {50, 30, 0.9875979392810994, 0.012402060718900583},
      {300, 30, 1, 2.6480484856308771e-46},
      {990000, 1000000, 6.500171180085852e-13, 0.99999999999934996},
      {1000000, 1000000, 0.50018806319660547, 0.49981193680339453},
      {1005000, 1000000, 0.99979232199053303, 0.00020767800946702998},
      {1010000, 1000000, 0.99999999999909317, 9.0685288232620253e-13},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "x " << c.x << " df " << c.df);
    expect_relative(chi_squared_cdf(c.x, c.df), c.lower);
    expect_relative(chi_squared_upper_tail(c.x, c.df), c.upper);
  }
}

// for (df in c(1, 2, 2.5, 30, 1e6)) for (p in c(1e-10, 0.05, 0.5, 0.95, 0.999999))
//   row(p, df, qchisq(p, df))
TEST(ChiSquared, QuantileMatchesR) {
  const std::vector<TwoArguments> cases = {
      {1e-10, 1, 1.5707963267948935e-20},      {0.05, 1, 0.0039321400000195249},
      {0.5, 1, 0.45493642311957283},           {0.95, 1, 3.841458820694124},
      {0.999999, 1, 23.928126976879472},       {1e-10, 2, 2.0000000000999977e-10},
      {0.05, 2, 0.10258658877510107},          {0.5, 2, 1.3862943611198906},
      {0.95, 2, 5.9914645471079799},           {0.999999, 2, 27.631021115871036},
      {1e-10, 2.5, 2.2101150154935937e-08},    {0.05, 2.5, 0.21075811235783615},
      {0.5, 2.5, 1.8738477677808782},          {0.95, 2.5, 6.9280761134524234},
      {0.999999, 2.5, 29.20048572964512},      {1e-10, 30, 3.0430403795533465},
      {0.05, 30, 18.492660981953467},          {0.5, 30, 29.336031516661588},
      {0.95, 30, 43.772971825742182},          {0.999999, 30, 82.044143136957018},
      {1e-10, 1000000, 991029.9997742835},     {0.05, 1000000, 997674.96327647381},
      {0.5, 1000000, 999999.3333334123},       {0.95, 1000000, 1002327.310781219},
      {0.999999, 1000000, 1006736.7596362823},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "p " << c.x << " df " << c.df);
    expect_relative(chi_squared_quantile(c.x, c.df), c.expected);
  }
  EXPECT_EQ(chi_squared_quantile(0, 3), 0);
  EXPECT_EQ(chi_squared_quantile(1, 3), kInfinity);
}

struct FCase {
  double x;
  double df1;
  double df2;
  double upper;
  double lower;
};

// for (d in list(c(1,10), c(2,2.5), c(5,30), c(30,1e6), c(1e6,30))) for (x in c(0.5, 3, 50))
//   row(x, d[1], d[2], pf(x, d[1], d[2], lower.tail=FALSE), pf(x, d[1], d[2]))
TEST(FDistribution, BothTailsMatchR) {
  const std::vector<FCase> cases = {
      {0.5, 1, 10, 0.49564750438312, 0.50435249561688},
      {3, 1, 10, 0.11393741215192033, 0.88606258784807967},
      {50, 1, 10, 3.4114010142784045e-05, 0.99996588598985725},
      {0.5, 2, 2.5, 0.65665908230351311, 0.34334091769648689},
      {3, 2, 2.5, 0.21659645967758817, 0.78340354032241177},
      {50, 2, 2.5, 0.0096387380810830404, 0.99036126191891694},
      {0.5, 5, 30, 0.77373359370359462, 0.22626640629640535},
      {3, 5, 30, 0.025936992113207394, 0.97406300788679268},
      {50, 5, 30, 1.1830748130608512e-13, 0.99999999999988165},
      {0.5, 30, 1000000, 0.98973902100233091, 0.01026097899766917},
      {3, 30, 1000000, 6.57372521488324e-08, 0.99999993426274791},
      {50, 30, 1000000, 6.8043183919025734e-297, 1},
      {0.5, 1000000, 30, 0.99907907115129646, 0.00092092884870348564},
      {3, 1000000, 30, 0.0002262749049680731, 0.99977372509503193},
      {50, 1000000, 30, 8.2857052984255544e-21, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "x " << c.x << " df " << c.df1 << ", " << c.df2);
    expect_relative(f_upper_tail(c.x, c.df1, c.df2), c.upper);
    expect_relative(f_cdf(c.x, c.df1, c.df2), c.lower);
  }
}

TEST(FDistribution, InfiniteDenominatorIsChiSquaredOverDf) {
  EXPECT_EQ(f_upper_tail(2.5, 3, kInfinity), chi_squared_upper_tail(7.5, 3));
}

// for (a in c(0.5, 3, 100)) for (r in c(0.01, 0.9, 1, 1.1, 3)) { x <- a*r;
//   row(a, x, pgamma(x, a), pgamma(x, a, lower.tail=FALSE)) }
// for (x in c(495000, 499500, 5e5, 500500, 505000))
//   row(5e5, x, pgamma(x, 5e5), pgamma(x, 5e5, lower.tail=FALSE))
TEST(IncompleteGamma, MatchesR) {
  const std::vector<TwoTails> cases = {
      {0.5, 0.005, 0.079655674554057962, 0.92034432544594202},
      {0.5, 0.45, 0.65721828885208855, 0.34278171114791145},
      {0.5, 0.5, 0.68268949213708596, 0.31731050786291415},
      {0.5, 0.55, 0.70573389569503708, 0.29426610430496292},
      {0.5, 1.5, 0.91673548333644939, 0.083264516663550558},
      {3, 0.03, 4.3999549397490799e-06, 0.99999560004506027},
      {3, 2.7, 0.50637550892653804, 0.49362449107346201},
      {3, 3, 0.57680991887315658, 0.42319008112684348},
      {3, 3.3000000000000003, 0.64057353367491621, 0.35942646632508379},
      {3, 9, 0.99376780489362271, 0.0062321951063773178},
      {100, 1, 3.9812808189568546e-159, 1},
      {100, 90, 0.15822098918643021, 0.84177901081356976},
      {100, 100, 0.51329879827914882, 0.48670120172085113},
      {100, 110.00000000000001, 0.841721329939913, 0.15827867006008697},
      {100, 300, 1, 1.4110215102111522e-41},
      {500000, 495000, 6.500171180085852e-13, 0.99999999999934996},
      {500000, 499500, 0.23982326854012712, 0.76017673145987286},
      {500000, 500000, 0.50018806319660547, 0.49981193680339453},
      {500000, 500500, 0.76032319517447855, 0.23967680482552139},
      {500000, 505000, 0.99999999999909317, 9.0685288232620253e-13},
  };
  for (const auto& c : cases) {
    // Here `x` is the shape a and `df` the argument.
    SCOPED_TRACE(testing::Message() << "a " << c.x << " x " << c.df);
    expect_relative(regularized_gamma_p(c.x, c.df), c.lower);
    expect_relative(regularized_gamma_q(c.x, c.df), c.upper);
  }
}

struct BetaCase {
  double x;
  double a;
  double b;
  double lower;
  double upper;
};

// for (ab in list(c(0.5,0.5), c(2,3))) for (x in c(1e-6, 0.3, 0.5, 0.9, 0.999999))
//   row(x, ab[1], ab[2], pbeta(x, ab[1], ab[2]), pbeta(x, ab[1], ab[2], lower.tail=FALSE))
// for (x in 1 - c(0.1, 1, 3, 10) / 5e5)
//   row(x, 5e5, 0.5, pbeta(x, 5e5, 0.5), pbeta(x, 5e5, 0.5, lower.tail=FALSE))
// for (x in c(1e-7, 1e-6, 3e-6, 1e-5))
//   row(x, 0.5, 5e5, pbeta(x, 0.5, 5e5), pbeta(x, 0.5, 5e5, lower.tail=FALSE))
// for (x in c(0.3, 0.37, 0.4, 0.45, 0.5))
//   row(x, 200, 300, pbeta(x, 200, 300), pbeta(x, 200, 300, lower.tail=FALSE))
TEST(IncompleteBeta, MatchesR) {
  const std::vector<BetaCase> cases = {
      {1e-06, 0.5, 0.5, 0.00063661987847092453, 0.99936338012152914},
      {0.3, 0.5, 0.5, 0.36901011956554525, 0.6309898804344547},
      {0.5, 0.5, 0.5, 0.49999999999999956, 0.50000000000000044},
      {0.9, 0.5, 0.5, 0.79516723530086664, 0.20483276469913339},
      {0.999999, 0.5, 0.5, 0.99936338012151993, 0.00063661987848007769},
      {1e-06, 2, 3, 5.9999920000030136e-12, 0.99999999999400002},
      {0.3, 2, 3, 0.34829999999999989, 0.65170000000000017},
      {0.5, 2, 3, 0.6875, 0.31250000000000006},
      {0.9, 2, 3, 0.99629999999999996, 0.0036999999999999993},
      {0.999999, 2, 3, 1, 3.9999970003450791e-18},
      {0.9999998, 500000, 0.5, 0.65472091058761772, 0.34527908941238228},
      {0.999998, 500000, 0.5, 0.15729910327878671, 0.84270089672121329},
      {0.999994, 500000, 0.5, 0.014305756805400815, 0.9856942431945992},
      {0.99998, 500000, 0.5, 7.7434469673277281e-06, 0.9999922565530327},
      {1e-07, 0.5, 500000, 0.24817031195240402, 0.75182968804759598},
      {1e-06, 0.5, 500000, 0.68268949213714625, 0.31731050786285375},
      {3e-06, 0.5, 500000, 0.9167356375170107, 0.08326436248298931},
      {1e-05, 0.5, 500000, 0.99843463599344051, 0.0015653640065595004},
      {0.3, 200, 300, 1.0496985243292928e-06, 0.99999895030147568},
      {0.37, 200, 300, 0.084499869967220309, 0.91550013003277964},
      {0.4, 200, 300, 0.50242861631993174, 0.49757138368006826},
      {0.45, 200, 300, 0.98814634562026282, 0.011853654379737162},
      {0.5, 200, 300, 0.99999645651973568, 3.5434802643925456e-06},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "x " << c.x << " a " << c.a << " b " << c.b);
    expect_relative(regularized_beta(c.x, c.a, c.b), c.lower);
    expect_relative(regularized_beta_complement(c.x, c.a, c.b), c.upper);
  }
}

TEST(Distributions, TwoSidedPValuesFarOutAreNotZero) {
  // 2 * pt(40, 30, lower.tail=FALSE) and 2 * pnorm(30, lower.tail=FALSE):
  // 1 - cdf would be 0 here.
  expect_relative(2 * student_t_upper_tail(40, 30), 2 * 6.8630225972031808e-28);
  expect_relative(2 * normal_upper_tail(30), 2 * 4.9067139271481872e-198);
}

TEST(Distributions, NanStatisticGivesNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(normal_cdf(nan)));
  EXPECT_TRUE(std::isnan(student_t_upper_tail(nan, 3)));
  EXPECT_TRUE(std::isnan(chi_squared_cdf(nan, 3)));
  EXPECT_TRUE(std::isnan(f_upper_tail(nan, 3, 4)));
}

void expect_usage_error(auto&& call) {
  try {
    call();
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::usage) << error.what();
  }
}

TEST(Distributions, OutOfDomainArgumentsAreUsageErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_usage_error([] { normal_quantile(-0.1); });
  expect_usage_error([] { normal_quantile(1.5); });
  expect_usage_error([nan] { normal_quantile(nan); });
  expect_usage_error([] { student_t_quantile(0.5, 0); });
  expect_usage_error([] { student_t_cdf(1, -2); });
  expect_usage_error([nan] { student_t_upper_tail(1, nan); });
  expect_usage_error([] { student_t_quantile(2, 3); });
  expect_usage_error([] { chi_squared_cdf(1, 0); });
  expect_usage_error([] { chi_squared_upper_tail(1, -1); });
  expect_usage_error([] { chi_squared_quantile(-1e-3, 2); });
  expect_usage_error([] { chi_squared_quantile(0.5, kInfinity); });
  expect_usage_error([] { f_upper_tail(1, 0, 3); });
  expect_usage_error([] { f_cdf(1, 3, -3); });
  expect_usage_error([] { regularized_gamma_p(0, 1); });
  expect_usage_error([] { regularized_gamma_q(1, -1); });
  expect_usage_error([] { regularized_beta(1.5, 1, 1); });
  expect_usage_error([] { regularized_beta_complement(0.5, 1, 0); });
}

}  // namespace
}  // namespace vigil
