int readycheck_corpus_dep_value(void) { return 1; }
