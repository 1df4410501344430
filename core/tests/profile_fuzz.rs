//! The profile parser's fuzz target: mutated shipped profiles (the seed corpus) and arbitrary
//! bytes go through `Profile::load` and the diagnostics renderer. It must never panic, and what
//! it prints must stay bounded whatever the input size. Runs for a bounded time:
//! `READYCHECK_FUZZ_SECS` seconds (default 20) or `READYCHECK_FUZZ_CASES` cases, whichever
//! comes first, and prints one summary line:
//!
//! ```text
//! profile fuzz: 12345 cases in 20.0 s, 0 panics, largest input 10485812 bytes, largest output 14012 bytes
//! ```
//!
//! `cargo test -p readycheck --release --test profile_fuzz -- --nocapture` runs it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use readycheck::profile::Profile;

/// Output larger than this for any input is a failure (50 problems × 300-character lines and
/// their windows, with room to spare).
const OUTPUT_BOUND: usize = 128 * 1024;

fn seeds() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../checks");
    let mut out = vec![std::fs::read(root.join("default.toml")).expect("default profile")];
    for e in std::fs::read_dir(root.join("examples"))
        .expect("examples")
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "toml") {
            out.push(std::fs::read(e.path()).expect("example profile"));
        }
    }
    out
}

/// One edit of a profile's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, u8),
    /// A long run of one fragment: long keys, long values, a line past column 65,535.
    Repeat(usize, Vec<u8>, usize),
    Truncate(usize),
}

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Pieces of TOML and of the profile's vocabulary.
        prop::sample::select(vec![
            "[[check]]\n",
            "[profile]\n",
            "[plugins]\n",
            "[report]\n",
            "id = \"x\"\n",
            "needs = [\"x\"]\n",
            "timeout = \"",
            "\"",
            "=",
            "[",
            "]",
            "{",
            "}",
            ",",
            "\n",
            "plugin = \"network\"\n",
            "kind = \"tcp\"\n",
            "title = { en = \"a\", zh-CN = \"乙\" }\n",
            "severity = \"required\"\n",
            "os = [\"linux\"]\n",
            "layer = \"dns\"\n",
            "fixes = { company = \"x\" }\n",
            "sha256 = { a = \"zz\" }\n",
            "submit = \"ftp://\"\n",
            "\u{1b}]52;c;ZXZpbA==\u{7}",
            "\u{202e}",
            "\r\n",
            "\t",
            "#",
            "'''",
            "\"\"\"",
            "é",
            "名前",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        // Raw bytes, invalid UTF-8 included.
        prop::collection::vec(any::<u8>(), 1..16),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), fragment()).prop_map(|(at, b)| Edit::Insert(at, b)),
        2 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        1 => (any::<usize>(), fragment(), prop::sample::select(vec![100usize, 70_000, 300_000]))
            .prop_map(|(at, b, n)| Edit::Repeat(at, b, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match e {
            Edit::Insert(i, b) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, b.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Replace(i, b) => {
                if !bytes.is_empty() {
                    let i = i % bytes.len();
                    bytes[i] = *b;
                }
            }
            Edit::Repeat(i, b, n) => {
                let i = at(*i, bytes.len());
                let run: Vec<u8> = b.iter().copied().cycle().take(b.len() * n).collect();
                bytes.splice(i..i, run);
            }
            Edit::Truncate(i) => {
                let i = at(*i, bytes.len());
                bytes.truncate(i);
            }
        }
    }
    bytes
}

/// A profile-like input: a mutated seed, or arbitrary bytes.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (prop::sample::select(seeds), prop::collection::vec(edit(), 1..8))
            .prop_map(|(seed, edits)| apply(seed, &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
        1 => "\\PC{0,300}".prop_map(String::into_bytes),
    ]
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_profile_parser_never_panics_and_its_output_stays_bounded() {
    let budget = Duration::from_secs(env_number("READYCHECK_FUZZ_SECS", 20));
    let max_cases = env_number("READYCHECK_FUZZ_CASES", u64::MAX);
    let seed = env_number("READYCHECK_FUZZ_SEED", 0x5eed_1234);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = input(seeds());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("fuzzed.toml");
    let started = Instant::now();
    let (mut cases, mut panics, mut largest_in, mut largest_out) = (0u64, 0u64, 0usize, 0usize);
    let mut failures = Vec::new();
    // Panics are counted here, not printed by the default hook for each one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while started.elapsed() < budget && cases < max_cases {
        let bytes = strategy.new_tree(&mut runner).expect("a value").current();
        cases += 1;
        largest_in = largest_in.max(bytes.len());
        std::fs::write(&file, &bytes).expect("write the input");
        let result = std::panic::catch_unwind(|| match Profile::load(&file) {
            Ok(p) => p.checks.len().to_string(),
            Err(e) => e.render(readycheck::i18n::Locale::En),
        });
        match result {
            Ok(out) => {
                largest_out = largest_out.max(out.len());
                if out.len() > OUTPUT_BOUND || out.contains('\u{1b}') {
                    failures.push((bytes, format!("output of {} bytes", out.len())));
                }
            }
            Err(_) => {
                panics += 1;
                failures.push((bytes, "panic".into()));
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    std::panic::set_hook(hook);
    let line = format!(
        "profile fuzz: {cases} cases in {:.1} s, {panics} panics, largest input {largest_in} bytes, largest output {largest_out} bytes",
        started.elapsed().as_secs_f64()
    );
    #[allow(clippy::print_stdout, reason = "the figures the fuzz run is judged by")]
    {
        println!("{line}");
    }
    if let Some((bytes, why)) = failures.first() {
        let keep = std::env::temp_dir().join("readycheck-fuzz-failure.toml");
        let _ = std::fs::write(&keep, bytes);
        panic!(
            "{line}\n{} failing inputs; the first ({why}) is saved in {}",
            failures.len(),
            keep.display()
        );
    }
    assert!(cases > 0, "no case ran");
}
