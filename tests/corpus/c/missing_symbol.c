/* Exports the version but not readycheck_plugin_v1. */
#include "readycheck_plugin.h"
READYCHECK_EXPORT uint32_t readycheck_abi_version(void) { return READYCHECK_ABI_VERSION; }
