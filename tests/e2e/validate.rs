//! `readycheck validate` as IT uses it the evening before a lockdown: every problem of a
//! profile in one run — structural ones beside each check's own and its plugin's — each at its
//! file:line:column with the field and the fix, as text and as JSON that fits
//! `schemas/validation-v1.schema.json`; and the README's profile, whose pin is a placeholder.

use crate::support::*;

/// A profile with six independent mistakes, each of a different stage: a typo'd key and a bad
/// duration (reading), a placeholder pin ([plugins]), a duplicate id (between checks), a
/// missing parameter (the plugin's manifest) and an unknown plugin with a near name.
const SIX: &str = r#"[profile]
name = "Six mistakes"
tiemout = "5s"

[plugins]
sha256 = { network = "<sha256>" }

[[check]]
id = "internet"
plugin = "network"
kind = "tcp"

[[check]]
id = "internet"
plugin = "network"
kind = "tcp"
target = "127.0.0.1:1"

[[check]]
id = "vpn"
plugin = "netwrok"
kind = "tcp"
target = "vpn.corp.example:443"

[[check]]
id = "slow"
plugin = "network"
kind = "tcp"
target = "127.0.0.1:1"
timeout = "three seconds"
"#;

/// 1-based line and column (in characters) of the `nth` (from 0) occurrence of `needle`.
fn at(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let off = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth} in the profile"))
        .0;
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Each expected problem: its code, field, where it starts, and words its message and its fix
/// must contain.
struct Want {
    code: &'static str,
    field: &'static str,
    at: (usize, usize),
    message: &'static str,
    fix: &'static str,
}

fn six_wanted() -> Vec<Want> {
    vec![
        Want {
            code: "profile.unknown_key",
            field: "profile.tiemout",
            at: at(SIX, "tiemout", 0),
            message: "unknown key `tiemout` in [profile]",
            fix: "did you mean `timeout`?",
        },
        Want {
            code: "profile.pin_placeholder",
            field: "plugins.sha256.network",
            at: at(SIX, "\"<sha256>\"", 0),
            message: "is a placeholder (`<sha256>`)",
            fix: "sha256sum FILE",
        },
        Want {
            code: "schema.missing",
            field: "check[0].target",
            at: at(SIX, "[[check]]", 0),
            message: "check `internet`: missing required parameter `target`",
            fix: "",
        },
        Want {
            code: "profile.duplicate_id",
            field: "check[1].id",
            at: at(SIX, "\"internet\"", 1),
            message: "duplicate check id `internet`",
            fix: "rename one of them",
        },
        Want {
            code: "profile.plugin_missing",
            field: "check[2].plugin",
            at: at(SIX, "\"netwrok\"", 0),
            message: "plugin `netwrok` is not installed",
            fix: "did you mean `network`?",
        },
        Want {
            code: "profile.not_duration",
            field: "check[3].timeout",
            at: at(SIX, "\"three seconds\"", 0),
            message: "`timeout` in check `slow` is not a duration",
            fix: "write it like \"5s\"",
        },
    ]
}

#[test]
fn six_independent_problems_are_all_listed_in_one_run_as_text() {
    let env = Env::new();
    let p = env.profile("six.toml", SIX);
    let out = env.run(&["validate", p.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        err.contains("six.toml: 6 problems found"),
        "exactly the six, in one run:\n{err}"
    );
    // Each problem's block: message, `--> file:line:col`, and its help, in file order.
    let blocks: Vec<&str> = err.split("\n\n").filter(|b| b.contains("-->")).collect();
    let wanted = six_wanted();
    assert_eq!(blocks.len(), wanted.len(), "{err}");
    for (block, want) in blocks.iter().zip(&wanted) {
        let (line, col) = want.at;
        assert!(block.contains(want.message), "{}:\n{block}", want.code);
        assert!(
            block.contains(&format!("--> {}:{line}:{col}\n", p.display())),
            "{} at {line}:{col}:\n{block}",
            want.code
        );
        assert!(block.contains(want.fix), "{}:\n{block}", want.code);
    }
}

#[test]
fn six_independent_problems_as_json_fit_the_schema() {
    let env = Env::new();
    let p = env.profile("six.toml", SIX);
    let out = env.run(&["validate", p.to_str().unwrap(), "-f", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout is one JSON document:\n{}", stdout(&out)));
    assert_valid_validation(&v);
    assert_eq!(v["schema"], "readycheck/validation/v1");
    assert_eq!(v["valid"], false);
    assert_eq!(v["counts"]["errors"], 6, "{v:#}");
    assert_eq!(v["counts"]["warnings"], 0, "{v:#}");
    let problems = v["problems"].as_array().unwrap();
    for (got, want) in problems.iter().zip(six_wanted()) {
        assert_eq!(got["code"], want.code, "{got:#}");
        assert_eq!(got["field"], want.field, "{got:#}");
        assert_eq!(got["severity"], "error", "{got:#}");
        assert_eq!(got["file"], p.to_str().unwrap(), "{got:#}");
        assert_eq!(
            (got["line"].as_u64(), got["column"].as_u64()),
            (Some(want.at.0 as u64), Some(want.at.1 as u64)),
            "{got:#}"
        );
        assert!(
            got["message"].as_str().unwrap().contains(want.message),
            "{got:#}"
        );
        if !want.fix.is_empty() {
            assert!(got["fix"].as_str().unwrap().contains(want.fix), "{got:#}");
        }
    }
}

#[test]
fn a_valid_profile_as_json_says_valid_and_warnings_do_not_fail_it() {
    let env = Env::new();
    let zeros = "0".repeat(64);
    let p = env.profile(
        "ok.toml",
        &format!(
            "[profile]\nname = \"ok\"\n[plugins]\nsha256 = {{ resources = \"{zeros}\" }}\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"127.0.0.1:1\"\n"
        ),
    );
    let out = env.run(&["validate", p.to_str().unwrap(), "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_validation(&v);
    assert_eq!(v["valid"], true);
    assert_eq!(v["counts"]["warnings"], 1, "{v:#}");
    let w = &v["problems"][0];
    assert_eq!(w["severity"], "warning");
    assert_eq!(w["field"], "plugins.sha256.resources");
    assert!(
        w["message"].as_str().unwrap().contains("placeholder"),
        "{w:#}"
    );
    assert_eq!(
        (w["line"].as_u64(), w["column"].as_u64()),
        (Some(4), Some(24))
    );
    // As text: the warning on stderr, and the profile is called valid.
    let out = env.run(&["validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: the sha256 pin of plugin `resources`"));
    assert!(stdout(&out).contains("valid — 1 check"), "{}", stdout(&out));
}

#[test]
fn a_profile_that_is_not_toml_is_one_json_problem_at_its_position() {
    let env = Env::new();
    let p = env.profile(
        "broken.toml",
        "[profile]\nname = \"x\"\n[[check]]\nid = vpn\n",
    );
    let out = env.run(&["validate", p.to_str().unwrap(), "-f", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_validation(&v);
    assert_eq!(v["counts"]["errors"], 1);
    assert_eq!(v["problems"][0]["code"], "profile.not_toml");
    assert_eq!(v["problems"][0]["line"], 4);
    let out = env.run(&["validate", "does-not-exist.toml", "-f", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_validation(&v);
    assert_eq!(v["problems"][0]["code"], "profile.unreadable");
    assert!(v["problems"][0].get("line").is_none(), "{v:#}");
}

/// The README's example profile: its only problem is the placeholder pin, which says it is one
/// and how to get the real value; with the value `readycheck plugins` shows, it is valid.
#[test]
fn the_readme_profile_pin_is_called_a_placeholder_and_the_real_value_makes_it_valid() {
    let env = Env::new();
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme.find("## Profiles").expect("a Profiles section");
    let block = &readme[start..];
    let toml = block
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a toml block under ## Profiles");
    assert!(toml.contains("sha256 = { network ="), "{toml}");
    let p = env.profile("readme.toml", toml);
    let out = env.run(&["validate", p.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("readme.toml: 1 problem found"), "{err}");
    assert!(
        err.contains("the sha256 pin of plugin `network` is a placeholder"),
        "{err}"
    );
    assert!(err.contains("`readycheck plugins` shows it"), "{err}");
    let line = toml.lines().position(|l| l.starts_with("sha256")).unwrap() + 1;
    assert!(err.contains(&format!("readme.toml:{line}:")), "{err}");

    // The fix the message gives: the plugin file's sha256, as `readycheck plugins` lists it.
    let listed = env.run(&["plugins", "-f", "json"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let plugins: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let network = plugins
        .as_array()
        .or_else(|| plugins["plugins"].as_array())
        .and_then(|a| a.iter().find(|p| p["name"] == "network"))
        .unwrap_or_else(|| panic!("network in {plugins:#}"));
    let sha = network["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64, "{network:#}");
    let fixed: String = toml
        .lines()
        .map(|l| {
            if l.starts_with("sha256") {
                format!("sha256 = {{ network = \"{sha}\" }}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let p = env.profile("readme-fixed.toml", &fixed);
    let out = env.run(&["validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// `v` fits the committed `schemas/validation-v1.schema.json`, every violation listed.
fn assert_valid_validation(v: &serde_json::Value) {
    let text = std::fs::read_to_string(workspace().join("schemas/validation-v1.schema.json"))
        .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "does not match schemas/validation-v1.schema.json:\n{}\n{v:#}",
        errors.join("\n")
    );
}
