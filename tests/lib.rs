//! Shared nothing: this package exists to hold the end-to-end tests in `e2e/`.
