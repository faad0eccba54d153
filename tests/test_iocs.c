#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the iocs tests land */
Test(iocs, builds) { cr_assert_not_null(t_minerscan_path()); }
