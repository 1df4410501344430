//! `hello`: a complete readycheck plugin in Rust with one kind, `greet`. It is the example of
//! `plugins/sdk/README.md`; `cargo test -p readycheck-sdk` builds it as
//! `libreadycheck_hello.so` and calls it through the C ABI (`tests/hello.rs`).

use readycheck_sdk::{CheckRequest, CheckResult, Kind};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `hello/greet`: the doc comments become the schema's descriptions, and the host
/// checks every `[[check]]` against that schema before anything runs.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GreetParams {
    /// Whom to greet.
    pub who: String,
    /// How many times (default 1).
    #[serde(default = "once")]
    pub times: u32,
}

fn once() -> u32 {
    1
}

/// The `hello/greet` kind.
pub struct Greet;

impl Kind for Greet {
    const NAME: &'static str = "greet";
    const TITLE: &'static str = "Say hello";
    const DESCRIPTION: &'static str = "Greets someone, to show how a kind is written.";
    const EXAMPLE: &'static str =
        "[[check]]\nid = \"greet\"\nplugin = \"hello\"\nkind = \"greet\"\nwho = \"IT\"\n";
    type Params = GreetParams;

    fn run(p: &GreetParams, _request: &CheckRequest) -> CheckResult {
        if p.who.trim().is_empty() {
            return CheckResult::fail("hello.greet.nobody", "there is nobody to greet");
        }
        CheckResult::pass("hello.greet.ok", format!("said hello to {}", p.who))
            .evidence(format!("greeted {} {} time(s)", p.who, p.times))
            .metric("greetings", f64::from(p.times))
    }
}

readycheck_sdk::plugin! {
    name: "hello",
    kinds: [Greet],
}
