//! The command line as a user sees it: exit codes, what reaches stdout and stderr, and files.

use crate::support::*;

#[test]
fn placeholder_compiles() {}
