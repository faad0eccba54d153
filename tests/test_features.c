#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the features tests land */
Test(features, builds) { cr_assert_not_null(t_minerscan_path()); }
