#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the unpack tests land */
Test(unpack, builds) { cr_assert_not_null(t_minerscan_path()); }
