//! `resources/power`: on battery or mains, charge and health. A home worker on a laptop battery
//! without a UPS loses work at the next power cut. Linux reads `/sys/class/power_supply`
//! directly (so the reading can be tested against a fake tree); Windows and macOS ask the OS
//! through the starship-battery crate. A PC without a battery is `skip`, never a made-up value.
//! With several batteries the charge is their stored energy over their capacity together (the
//! mean of their percentages when one does not tell its energy), and the health is the most
//! worn one's.

#[cfg(any(target_os = "linux", test))]
use std::path::Path;

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `resources/power`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerParams {
    /// On battery, warn below this charge percentage (default 30).
    #[serde(default)]
    pub warn_charge_percent: Option<f64>,
    /// On battery, fail below this charge percentage (default 10).
    #[serde(default)]
    pub fail_charge_percent: Option<f64>,
    /// Warn when the battery holds less than this percentage of its design capacity (default 50).
    #[serde(default)]
    pub warn_health_percent: Option<f64>,
}

/// One battery.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    pub name: String,
    pub charge_percent: f64,
    /// "Charging", "Discharging", "Full", "Not charging", …
    pub state: String,
    pub health_percent: Option<f64>,
    /// Energy now and when full (any one unit, the same for every battery: µWh from sysfs,
    /// Wh elsewhere), when the OS tells.
    pub energy: Option<(f64, f64)>,
}

/// The charge of all batteries together: stored energy over capacity when every battery tells
/// its energy (a nearly empty small battery beside a full large one is not an empty laptop),
/// else the mean of their percentages.
pub fn combined_charge(batteries: &[Battery]) -> Option<f64> {
    if batteries.is_empty() {
        return None;
    }
    let energies: Option<Vec<(f64, f64)>> = batteries.iter().map(|b| b.energy).collect();
    if let Some(e) = energies {
        let (now, full): (f64, f64) = e.iter().fold((0.0, 0.0), |(n, f), (a, b)| (n + a, f + b));
        if full > 0.0 {
            return Some((now * 100.0 / full).min(100.0));
        }
    }
    Some(batteries.iter().map(|b| b.charge_percent).sum::<f64>() / batteries.len() as f64)
}

/// What the OS says about power.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PowerFacts {
    pub batteries: Vec<Battery>,
    /// Whether mains power is connected, when the OS says.
    pub on_ac: Option<bool>,
    pub evidence: Vec<String>,
}

/// The `resources/power` kind.
pub struct Power;

impl Kind for Power {
    const NAME: &'static str = "power";
    const TITLE: &'static str = "Battery and mains power";
    const DESCRIPTION: &'static str = "Reports whether the PC runs on battery or mains power, the battery's charge and health. \
         On battery below the charge threshold it warns — plug in before the market opens. Desktop \
         PCs without a battery are skipped (consider a UPS).";
    const EXAMPLE: &'static str = "[[check]]\nid = \"power\"\nplugin = \"resources\"\nkind = \"power\"\ntitle = \"Power\"\nseverity = \"recommended\"\nwarn_charge_percent = 30\n";
    type Params = PowerParams;

    fn run(p: &PowerParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

#[cfg(any(target_os = "linux", test))]
fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

#[cfg(any(target_os = "linux", test))]
/// Reads a Linux power-supply tree (normally `/sys/class/power_supply`). Batteries of
/// peripherals (`scope = Device`: mice, headsets) are left out.
pub fn read_sysfs(root: &Path) -> PowerFacts {
    let mut facts = PowerFacts::default();
    let Ok(entries) = std::fs::read_dir(root) else {
        facts
            .evidence
            .push(format!("{} is not readable", root.display()));
        return facts;
    };
    let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    facts.evidence.push(format!(
        "read {}: {} power supplies",
        root.display(),
        dirs.len()
    ));
    let mut ac_seen = false;
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = read(&dir.join("type")).unwrap_or_default();
        match kind.as_str() {
            "Battery" => {
                if read(&dir.join("scope")).as_deref() == Some("Device") {
                    facts
                        .evidence
                        .push(format!("{}: a device's battery, ignored", dir.display()));
                    continue;
                }
                let capacity = read(&dir.join("capacity"))
                    .and_then(|c| c.parse::<f64>().ok())
                    .or_else(|| {
                        let now: f64 = read(&dir.join("energy_now"))
                            .or_else(|| read(&dir.join("charge_now")))?
                            .parse()
                            .ok()?;
                        let full: f64 = read(&dir.join("energy_full"))
                            .or_else(|| read(&dir.join("charge_full")))?
                            .parse()
                            .ok()?;
                        (full > 0.0).then(|| now * 100.0 / full)
                    });
                let Some(charge) = capacity else {
                    facts
                        .evidence
                        .push(format!("{}: no charge reading", dir.display()));
                    continue;
                };
                let health = (|| {
                    let full: f64 = read(&dir.join("energy_full"))
                        .or_else(|| read(&dir.join("charge_full")))?
                        .parse()
                        .ok()?;
                    let design: f64 = read(&dir.join("energy_full_design"))
                        .or_else(|| read(&dir.join("charge_full_design")))?
                        .parse()
                        .ok()?;
                    (design > 0.0).then(|| (full * 100.0 / design).min(100.0))
                })();
                let num = |f: &str| read(&dir.join(f)).and_then(|v| v.parse::<f64>().ok());
                // Energy in µWh, or charge in µAh times the design voltage in µV.
                let energy = match (num("energy_now"), num("energy_full")) {
                    (Some(n), Some(f)) => Some((n, f)),
                    _ => match (
                        num("charge_now"),
                        num("charge_full"),
                        num("voltage_min_design").or_else(|| num("voltage_max_design")),
                    ) {
                        (Some(n), Some(f), Some(v)) => Some((n * v / 1e6, f * v / 1e6)),
                        _ => None,
                    },
                };
                let state = read(&dir.join("status")).unwrap_or_else(|| "Unknown".into());
                facts.evidence.push(format!(
                    "{}: type=Battery capacity={charge:.0} status={state}",
                    dir.display()
                ));
                facts.batteries.push(Battery {
                    name,
                    charge_percent: charge,
                    state,
                    health_percent: health,
                    energy,
                });
            }
            "Mains" | "USB" | "USB_C" | "USB_PD" => {
                if let Some(online) = read(&dir.join("online")) {
                    facts
                        .evidence
                        .push(format!("{}: type={kind} online={online}", dir.display()));
                    let on = online == "1";
                    facts.on_ac = Some(facts.on_ac.unwrap_or(false) || on);
                    ac_seen = true;
                }
            }
            _ => {}
        }
    }
    if !ac_seen && !facts.batteries.is_empty() {
        // No mains supply listed: infer from the battery's own state.
        facts.on_ac = Some(!facts.batteries.iter().any(|b| b.state == "Discharging"));
    }
    facts
}

#[cfg(target_os = "linux")]
pub fn gather() -> PowerFacts {
    read_sysfs(Path::new("/sys/class/power_supply"))
}

#[cfg(any(windows, target_os = "macos"))]
pub fn gather() -> PowerFacts {
    let mut facts = PowerFacts::default();
    let manager = match starship_battery::Manager::new() {
        Ok(m) => m,
        Err(e) => {
            facts
                .evidence
                .push(format!("the OS battery interface failed: {e}"));
            return facts;
        }
    };
    match manager.batteries() {
        Ok(iter) => {
            for (i, b) in iter.flatten().enumerate() {
                let charge = f64::from(b.state_of_charge().value) * 100.0;
                let health = f64::from(b.state_of_health().value) * 100.0;
                let state = format!("{:?}", b.state());
                facts.evidence.push(format!(
                    "battery {i}: charge {charge:.0}%, {state}, health {health:.0}%"
                ));
                facts.batteries.push(Battery {
                    name: format!("battery {i}"),
                    charge_percent: charge,
                    state: state.clone(),
                    health_percent: Some(health),
                    energy: Some((
                        f64::from(b.energy().value),
                        f64::from(b.energy_full().value),
                    )),
                });
            }
        }
        Err(e) => facts.evidence.push(format!("cannot list batteries: {e}")),
    }
    if !facts.batteries.is_empty() {
        facts.on_ac = Some(!facts.batteries.iter().any(|b| b.state == "Discharging"));
    }
    facts
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
pub fn gather() -> PowerFacts {
    PowerFacts {
        evidence: vec!["no power-supply interface is known on this OS".into()],
        ..Default::default()
    }
}

pub fn evaluate(p: &PowerParams, f: &PowerFacts) -> CheckResult {
    let warn_charge = p.warn_charge_percent.unwrap_or(30.0);
    let fail_charge = p.fail_charge_percent.unwrap_or(10.0);
    let warn_health = p.warn_health_percent.unwrap_or(50.0);
    let mut r = if f.batteries.is_empty() {
        let id = match f.on_ac {
            Some(true) => "power.no_battery_on_ac",
            _ => "power.no_battery",
        };
        CheckResult::skip("resources.power.no_battery", t!(id))
    } else {
        let total = combined_charge(&f.batteries).unwrap_or(0.0);
        // Health: the most worn battery is the one to replace.
        let b = f
            .batteries
            .iter()
            .min_by(|a, b| {
                a.health_percent
                    .unwrap_or(100.0)
                    .total_cmp(&b.health_percent.unwrap_or(100.0))
            })
            .expect("non-empty");
        let on_battery = f.on_ac == Some(false);
        let health_low = b.health_percent.filter(|h| *h < warn_health);
        let charge = format!("{total:.0}%");
        if on_battery && total < fail_charge {
            CheckResult::fail(
                "resources.power.battery_critical",
                t!("power.critical", charge = &charge),
            )
        } else if on_battery && total < warn_charge {
            CheckResult::warn(
                "resources.power.battery_low",
                t!("power.low", charge = &charge),
            )
        } else if let Some(h) = health_low {
            CheckResult::warn(
                "resources.power.battery_worn",
                t!("power.worn", health = format!("{h:.0}")),
            )
        } else if on_battery {
            CheckResult::pass(
                "resources.power.on_battery",
                t!("power.on_battery", charge = &charge),
            )
        } else {
            CheckResult::pass(
                "resources.power.on_ac",
                t!("power.on_ac", charge = &charge, state = b.state.to_string()),
            )
        }
    };
    r.evidence = f.evidence.clone();
    if f.batteries.len() > 1 {
        r.evidence.push(format!(
            "{} batteries: {:.0}% together{}",
            f.batteries.len(),
            combined_charge(&f.batteries).unwrap_or(0.0),
            if f.batteries.iter().all(|b| b.energy.is_some()) {
                " (stored energy over capacity)"
            } else {
                " (mean of their percentages: not every battery tells its energy)"
            }
        ));
    }
    if let Some(total) = combined_charge(&f.batteries) {
        r = r.metric("battery_charge_percent", (total * 10.0).round() / 10.0);
    }
    if let Some(h) = f
        .batteries
        .iter()
        .filter_map(|b| b.health_percent)
        .min_by(f64::total_cmp)
    {
        r = r.metric("battery_health_percent", (h * 10.0).round() / 10.0);
    }
    if let Some(ac) = f.on_ac {
        r = r.metric("on_ac", if ac { 1.0 } else { 0.0 });
    }
    r
}

pub fn run(p: &PowerParams) -> CheckResult {
    evaluate(p, &gather())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    fn supply(root: &Path, name: &str, files: &[(&str, &str)]) {
        let d = root.join(name);
        std::fs::create_dir_all(&d).unwrap();
        for (f, v) in files {
            std::fs::write(d.join(f), format!("{v}\n")).unwrap();
        }
    }

    #[test]
    fn fake_sysfs_laptop_on_battery() {
        let t = tempfile::tempdir().unwrap();
        supply(t.path(), "AC", &[("type", "Mains"), ("online", "0")]);
        supply(
            t.path(),
            "BAT0",
            &[
                ("type", "Battery"),
                ("status", "Discharging"),
                ("capacity", "22"),
                ("energy_full", "40000000"),
                ("energy_full_design", "50000000"),
            ],
        );
        supply(
            t.path(),
            "hidpp_battery_0",
            &[("type", "Battery"), ("scope", "Device"), ("capacity", "5")],
        );
        let f = read_sysfs(t.path());
        assert_eq!(f.on_ac, Some(false));
        assert_eq!(f.batteries.len(), 1, "the mouse's battery is not the PC's");
        assert_eq!(f.batteries[0].charge_percent, 22.0);
        assert_eq!(f.batteries[0].health_percent, Some(80.0));
        let r = evaluate(&PowerParams::default(), &f);
        assert_eq!(
            (r.status, r.code.as_str()),
            (Status::Warn, "resources.power.battery_low")
        );
        assert_eq!(r.metrics["on_ac"], 0.0);
        assert_eq!(r.metrics["battery_health_percent"], 80.0);
    }

    #[test]
    fn fake_sysfs_laptop_on_ac_and_desktop() {
        let t = tempfile::tempdir().unwrap();
        supply(t.path(), "ADP1", &[("type", "Mains"), ("online", "1")]);
        supply(
            t.path(),
            "BAT1",
            &[
                ("type", "Battery"),
                ("status", "Charging"),
                ("charge_now", "1000"),
                ("charge_full", "4000"),
            ],
        );
        let f = read_sysfs(t.path());
        assert_eq!(f.on_ac, Some(true));
        assert_eq!(f.batteries[0].charge_percent, 25.0);
        assert_eq!(
            evaluate(&PowerParams::default(), &f).code,
            "resources.power.on_ac"
        );

        let desktop = tempfile::tempdir().unwrap();
        supply(desktop.path(), "AC", &[("type", "Mains"), ("online", "1")]);
        let r = evaluate(&PowerParams::default(), &read_sysfs(desktop.path()));
        assert_eq!(r.status, Status::Skip);
        assert!(r.en_summary().contains("no battery"), "{}", r.en_summary());
    }

    #[test]
    fn critical_charge_fails() {
        let f = PowerFacts {
            batteries: vec![Battery {
                name: "b".into(),
                charge_percent: 5.0,
                state: "Discharging".into(),
                health_percent: None,
                energy: None,
            }],
            on_ac: Some(false),
            evidence: vec![],
        };
        assert_eq!(
            evaluate(&PowerParams::default(), &f).code,
            "resources.power.battery_critical"
        );
    }

    #[test]
    fn several_batteries_count_by_energy() {
        // ThinkPad-style: a small internal battery nearly empty, a large external one full.
        let t = tempfile::tempdir().unwrap();
        supply(t.path(), "AC", &[("type", "Mains"), ("online", "0")]);
        supply(
            t.path(),
            "BAT0",
            &[
                ("type", "Battery"),
                ("status", "Discharging"),
                ("capacity", "5"),
                ("energy_now", "1150000"),
                ("energy_full", "23000000"),
            ],
        );
        supply(
            t.path(),
            "BAT1",
            &[
                ("type", "Battery"),
                ("status", "Discharging"),
                ("capacity", "90"),
                ("charge_now", "5400000"),
                ("charge_full", "6000000"),
                ("voltage_min_design", "11100000"),
            ],
        );
        let f = read_sysfs(t.path());
        // (1.15 + 59.94) Wh of (23 + 66.6) Wh = 68.2 %, not the 5 % of the emptiest.
        let total = combined_charge(&f.batteries).unwrap();
        assert!((total - 68.18).abs() < 0.1, "{total}");
        let r = evaluate(&PowerParams::default(), &f);
        assert_eq!(r.code, "resources.power.on_battery", "{r:?}");
        assert!((r.metrics["battery_charge_percent"] - 68.2).abs() < 0.01);
    }

    /// This machine (a VM or server) has no battery: `skip`, not a made-up pass.
    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_without_battery_is_skipped() {
        let f = gather();
        if !f.batteries.is_empty() {
            return; // a laptop running the tests: nothing to assert about absence
        }
        assert_eq!(run(&PowerParams::default()).status, Status::Skip);
    }
}
