/* Loads fine, then never answers when asked for its manifest. */
#include <unistd.h>
#include "readycheck_plugin.h"
static int32_t describe(void *ctx, readycheck_sink sink) {
    (void)ctx; (void)sink;
    for (;;) sleep(1);
    return READYCHECK_OK;
}
static int32_t run(const uint8_t *r, size_t n, void *ctx, readycheck_sink sink) {
    (void)r; (void)n; (void)ctx; (void)sink;
    return READYCHECK_PLUGIN_ERROR;
}
static const readycheck_plugin_table_v1 TABLE = {
    READYCHECK_ABI_VERSION, sizeof(readycheck_plugin_table_v1), "dhang", "0.0.1", describe, run,
};
READYCHECK_EXPORT uint32_t readycheck_abi_version(void) { return READYCHECK_ABI_VERSION; }
READYCHECK_EXPORT const readycheck_plugin_table_v1 *readycheck_plugin_v1(void) { return &TABLE; }
