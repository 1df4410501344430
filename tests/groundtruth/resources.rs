//! resources against distro-info-data's release dates, /proc/meminfo, df, and batteries the
//! kernel's power-supply class describes (a fake tree mounted over it in a private namespace).

use super::{Case, Rig, code, have, is_root, said, sh_out};

pub fn cases() -> Vec<Case> {
    let rig = Rig::new();
    let mut out = end_of_support(&rig);
    out.extend(facts(&rig));
    out.extend(batteries(&rig));
    out
}

const TABLE: &str = include_str!("../../plugins/resources/data/end-of-support.txt");

/// Every Debian and Ubuntu line of the table against distro-info-data (Debian: the LTS end;
/// Ubuntu: the end of standard support), and this machine's own release through readycheck.
fn end_of_support(rig: &Rig) -> Vec<Case> {
    let read = |f: &str| std::fs::read_to_string(format!("/usr/share/distro-info/{f}.csv"));
    let (Ok(debian), Ok(ubuntu)) = (read("debian"), read("ubuntu")) else {
        return vec![Case::skipped(
            "end of support against distro-info-data",
            "needs distro-info-data (/usr/share/distro-info)",
        )];
    };
    // version → date, from the CSV column named `col`.
    let lookup = |csv: &str, col: &str, version: &str| -> Option<String> {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next()?.split(',').collect();
        let at = header.iter().position(|h| *h == col)?;
        lines.find_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.first()?.trim_end_matches(" LTS") == version)
                .then(|| f.get(at).map(|s| s.to_string()))?
        })
    };
    let mut out = Vec::new();
    for line in TABLE
        .lines()
        .filter(|l| l.starts_with("linux | debian") || l.starts_with("linux | ubuntu"))
    {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let mut key = f[1].split_whitespace();
        let (id, version) = (key.next().unwrap_or(""), key.next().unwrap_or(""));
        let oracle = if id == "debian" {
            lookup(&debian, "eol-lts", version)
        } else {
            lookup(&ubuntu, "eol", version)
        };
        out.push(Case::new(
            format!("end of support of {}", f[2]),
            oracle.as_deref() == Some(f[3]),
            format!("distro-info-data: {oracle:?}; table: {}", f[3]),
        ));
    }
    // This machine, through the plugin.
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let get = |k: &str| {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('"').to_string())
    };
    if let (Some(id), Some(version)) = (get("ID"), get("VERSION_ID")) {
        let oracle = match id.as_str() {
            "debian" => lookup(&debian, "eol-lts", &version),
            "ubuntu" => lookup(&ubuntu, "eol", &version),
            _ => None,
        };
        if let Some(date) = oracle {
            out.push(match rig.one("resources", "os", String::new(), &[], &[]) {
                Ok(c) => Case::new(
                    format!("this machine ({id} {version}) ends support on {date}"),
                    c.to_string().contains(&format!("{date} (")),
                    said(&c),
                ),
                Err(e) => Case::new("this machine's end of support", false, e),
            });
        }
    }
    out
}

/// Memory and disk: numbers read, not interpreted, but the base the rest stands on.
fn facts(rig: &Rig) -> Vec<Case> {
    let mut out = Vec::new();
    let checks = [
        ("mem", "resources", "memory", String::new()),
        ("disk", "resources", "disk", "path = \"/\"".to_string()),
    ];
    let Ok(report) = rig.run(&checks, &[], &[]) else {
        return vec![Case::new("memory and disk", false, "no report")];
    };
    let meminfo_kib: f64 = sh_out("awk '/^MemTotal:/ {print $2}' /proc/meminfo")
        .parse()
        .unwrap_or(0.0);
    let metrics = &report["mem"]["metrics"];
    let total = metrics["memory_total_bytes"].as_f64().unwrap_or(0.0);
    out.push(Case::new(
        "memory installed equals /proc/meminfo MemTotal",
        (total - meminfo_kib * 1024.0).abs() <= 1024.0 * 1024.0,
        format!("MemTotal {meminfo_kib} KiB; readycheck metrics {metrics}"),
    ));
    let df: f64 = sh_out("df -B1 --output=avail / | tail -1")
        .parse()
        .unwrap_or(0.0);
    let dm = &report["disk"]["metrics"];
    let free = dm["disk_free_bytes"].as_f64().unwrap_or(-1.0);
    out.push(Case::new(
        "free disk space equals df's available bytes (within 1 %)",
        (free - df).abs() <= df * 0.01 + 1.0,
        format!("df: {df}; readycheck metrics {dm}"),
    ));
    out
}

/// Two batteries, a small one nearly empty and a large one nearly full: the charge is their
/// energy together, as the kernel's energy_now/energy_full (or charge × voltage) add up.
fn batteries(rig: &Rig) -> Vec<Case> {
    let name = "two batteries charge as their energy together";
    if !is_root() || !have("unshare") {
        return vec![Case::skipped(
            name,
            "needs root and unshare to mount a power-supply tree",
        )];
    }
    let tree = tempfile::tempdir().expect("tempdir");
    super::chmod_dir(tree.path());
    let w = |dir: &str, files: &[(&str, &str)]| {
        let d = tree.path().join(dir);
        std::fs::create_dir_all(&d).expect("mkdir");
        for (f, v) in files {
            std::fs::write(d.join(f), format!("{v}\n")).expect("write");
        }
    };
    w("AC", &[("type", "Mains"), ("online", "0")]);
    w(
        "BAT0",
        &[
            ("type", "Battery"),
            ("status", "Discharging"),
            ("capacity", "5"),
            ("energy_now", "1150000"),
            ("energy_full", "23000000"),
        ],
    );
    w(
        "BAT1",
        &[
            ("type", "Battery"),
            ("status", "Discharging"),
            ("capacity", "90"),
            ("energy_now", "59940000"),
            ("energy_full", "66600000"),
        ],
    );
    let t = tree.path().display();
    let sum = |f: &str| -> f64 {
        sh_out(&format!(
            "awk '{{s+=$1}} END {{print s}}' {t}/BAT0/{f} {t}/BAT1/{f}"
        ))
        .parse()
        .unwrap_or(0.0)
    };
    let oracle = sum("energy_now") * 100.0 / sum("energy_full").max(1.0);
    let script = format!("mount --bind {t} /sys/class/power_supply || exit 97\nexec \"$@\"");
    match rig.one(
        "resources",
        "power",
        String::new(),
        &["unshare", "-m", "sh", "-c", &script, "sh"],
        &[],
    ) {
        Ok(c) => {
            let got = c["metrics"]["battery_charge_percent"]
                .as_f64()
                .unwrap_or(-1.0);
            vec![Case::new(
                name,
                (got - oracle).abs() < 0.1 && code(&c) == "resources.power.on_battery",
                format!("energy says {oracle:.1} %; readycheck: {}", said(&c)),
            )]
        }
        Err(e) => vec![Case::new(name, false, e)],
    }
}
