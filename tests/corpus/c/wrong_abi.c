/* Claims ABI version 2: the host must refuse it before touching the table. */
#include "readycheck_plugin.h"
READYCHECK_EXPORT uint32_t readycheck_abi_version(void) { return 2u; }
READYCHECK_EXPORT const readycheck_plugin_table_v1 *readycheck_plugin_v1(void) { return 0; }
