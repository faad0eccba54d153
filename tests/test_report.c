#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the report tests land */
Test(report, builds) { cr_assert_not_null(t_minerscan_path()); }
