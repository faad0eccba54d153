#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the walker tests land */
Test(walker, builds) { cr_assert_not_null(t_minerscan_path()); }
