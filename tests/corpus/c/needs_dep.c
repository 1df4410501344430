/* Linked against a library that the test deletes after linking: loading fails. */
#include "readycheck_plugin.h"
extern int readycheck_corpus_dep_value(void);
READYCHECK_EXPORT uint32_t readycheck_abi_version(void) { return (uint32_t)readycheck_corpus_dep_value(); }
READYCHECK_EXPORT const readycheck_plugin_table_v1 *readycheck_plugin_v1(void) { return 0; }
