//! `ground-truth`: runs every ground-truth case (see `readycheck_e2e::groundtruth`) and prints,
//! per plugin, "N of M cases agree with the ground truth", then every disagreement and skipped
//! case with its reason. Build first: `cargo build --workspace`. Exit status 1 when a case
//! disagrees. `-v` lists every case.

#![allow(clippy::print_stdout, reason = "a report command")]

use readycheck_e2e::groundtruth::{self, Verdict};

fn main() -> std::process::ExitCode {
    let verbose = std::env::args().any(|a| a == "-v" || a == "--verbose");
    let all = groundtruth::all();
    let mut details = Vec::new();
    let mut failed = false;
    for (plugin, cases) in &all {
        println!("{}", groundtruth::score_line(plugin, cases));
        for c in cases {
            match &c.verdict {
                Verdict::Agree if verbose => {
                    details.push(format!("  agree     {plugin}: {}", c.name))
                }
                Verdict::Agree => {}
                Verdict::Disagree(why) => {
                    failed = true;
                    details.push(format!("  DISAGREE  {plugin}: {} — {why}", c.name));
                }
                Verdict::Skipped(why) => {
                    details.push(format!("  skipped   {plugin}: {} — {why}", c.name))
                }
            }
        }
    }
    if !details.is_empty() {
        println!();
        for d in details {
            println!("{d}");
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
