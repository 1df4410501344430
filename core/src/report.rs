//! The report types, from the report contract crate (`readycheck-report`): the host builds a
//! report with them, renderers and `summarize` read them. Re-exported here so that the host's
//! modules name them as `crate::report::…`.

pub use readycheck_report::*;
