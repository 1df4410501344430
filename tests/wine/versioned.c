/* A tiny program whose only purpose is to carry a version resource (see versioned.rc). */
int main(void) { return 0; }
