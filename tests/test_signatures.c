#include <criterion/criterion.h>
#include "util.h"
/* placeholder until the signatures tests land */
Test(signatures, builds) { cr_assert_not_null(t_minerscan_path()); }
