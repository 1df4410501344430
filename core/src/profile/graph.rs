//! How the checks of a profile refer to each other: duplicate ids, `needs` naming no check (or
//! the check itself), and dependency cycles — judged after every check was read, so these are
//! reported beside each check's own mistakes.

use std::collections::HashMap;

use readycheck_sdk::t;

use super::Check;
use super::check::check_path;
use super::diagnostic::did_you_mean;
use super::toml_read::Cx;

/// Duplicate ids, unknown `needs`, and cycles.
pub(super) fn check_graph(cx: &mut Cx, checks: &[Check]) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, c) in checks.iter().enumerate() {
        if first.contains_key(c.id.as_str()) {
            cx.err_help(
                t!("profile.duplicate_id", id = &c.id),
                c.spans.id.clone().or_else(|| c.spans.table.clone()),
                format!("{}.id", check_path(c.spans.index)),
                t!("profile.duplicate_id_help"),
            );
        } else {
            first.insert(&c.id, i);
        }
    }
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    for c in checks {
        for (k, need) in c.needs.iter().enumerate() {
            let span = c.spans.needs.get(k).cloned().flatten();
            let field = format!("{}.needs[{k}]", check_path(c.spans.index));
            if need == &c.id {
                cx.err_help(
                    t!("profile.needs_itself", id = &c.id),
                    span,
                    field,
                    t!("profile.needs_help"),
                );
            } else if !first.contains_key(need.as_str()) {
                let help = did_you_mean(need, ids.iter().copied())
                    .unwrap_or_else(|| t!("profile.needs_help"));
                cx.err_help(
                    t!("profile.unknown_need", id = &c.id, need = need),
                    span,
                    field,
                    help,
                );
            }
        }
    }
    // Cycle detection (DFS, colours); report each cycle once.
    let index: HashMap<&str, usize> = first;
    let mut colour = vec![0u8; checks.len()]; // 0 new, 1 on stack, 2 done
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        i: usize,
        checks: &[Check],
        index: &HashMap<&str, usize>,
        colour: &mut [u8],
        stack: &mut Vec<usize>,
        cx: &mut Cx,
    ) {
        colour[i] = 1;
        stack.push(i);
        for need in &checks[i].needs {
            let Some(&j) = index.get(need.as_str()) else {
                continue;
            };
            if j == i {
                continue;
            }
            if colour[j] == 1 {
                let pos = stack.iter().position(|&s| s == j).unwrap_or(0);
                let mut path: Vec<&str> = stack[pos..]
                    .iter()
                    .map(|&s| checks[s].id.as_str())
                    .collect();
                path.push(&checks[j].id);
                cx.err_help(
                    t!("profile.cycle", path = path.join(" → ")),
                    checks[j].spans.table.clone(),
                    format!("{}.needs", check_path(checks[j].spans.index)),
                    t!("profile.cycle_help"),
                );
            } else if colour[j] == 0 {
                visit(j, checks, index, colour, stack, cx);
            }
        }
        stack.pop();
        colour[i] = 2;
    }
    for i in 0..checks.len() {
        if colour[i] == 0 {
            visit(i, checks, &index, &mut colour, &mut stack, cx);
        }
    }
}
