//! The fault-matrix score: builds the rig of `tests/rig` (network namespaces, a real ocserv
//! VPN), drives readycheck through every fault scenario (or the ones named on the command
//! line) and prints, per scenario, the expected and the diagnosed owner, layer and root cause,
//! the consequences missing and the time taken, then a score per language. Run it as root after
//! `cargo build --workspace`: `cargo run -q -p readycheck-e2e --bin fault-matrix [SCENARIO...]`.

#![allow(clippy::print_stdout, reason = "the score is the output")]
#![allow(clippy::print_stderr, reason = "progress and errors go to stderr")]

mod rig;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: fault-matrix [SCENARIO...]\n\nscenarios:");
        for s in rig::SCENARIOS {
            println!("  {:<24} {}", s.name, s.what);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(why) = rig::unavailable() {
        eprintln!("fault-matrix: {why}");
        return ExitCode::from(3);
    }
    let mut chosen: Vec<&'static rig::Scenario> = Vec::new();
    for a in &args {
        match rig::scenario(a) {
            Some(s) => chosen.push(s),
            None => {
                eprintln!("fault-matrix: no scenario {a} (fault-matrix --help lists them)");
                return ExitCode::from(3);
            }
        }
    }
    if chosen.is_empty() {
        chosen = rig::SCENARIOS.iter().collect();
    }
    // readycheck and its plugins beside this binary (target/<profile>).
    let target: PathBuf = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let readycheck = target.join(format!("readycheck{}", std::env::consts::EXE_SUFFIX));
    if !readycheck.exists() {
        eprintln!(
            "fault-matrix: {} is missing: run `cargo build --workspace` first",
            readycheck.display()
        );
        return ExitCode::from(3);
    }
    let t0 = std::time::Instant::now();
    eprintln!("fault-matrix: setting up the rig…");
    let rig = match rig::Rig::up(&readycheck, &target) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fault-matrix: {e}");
            rig::teardown();
            return ExitCode::from(3);
        }
    };
    eprintln!(
        "fault-matrix: rig up in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    println!("{}", rig::Judgement::header());
    let (mut en, mut zh, mut ran) = (0, 0, 0);
    for s in &chosen {
        match rig.run(s) {
            Ok(outcome) => {
                let j = rig::judge(s, &outcome);
                println!("{}", j.row());
                en += usize::from(j.right_en);
                zh += usize::from(j.right_zh);
                ran += 1;
            }
            Err(e) => println!("{:<24} rig error: {e}", s.name),
        }
    }
    drop(rig);
    rig::teardown();
    let n = chosen.len();
    println!("score en: {en} of {n} scenarios right (owner and first root cause)");
    println!(
        "score zh-CN: {zh} of {n} scenarios right (Chinese headline, same owner and root cause)"
    );
    eprintln!(
        "fault-matrix: {ran} of {n} scenarios ran, {:.0} s in all",
        t0.elapsed().as_secs_f64()
    );
    if en == n && zh == n {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
