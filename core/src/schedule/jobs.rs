//! The job files of the daily run, one generator per scheduler: a systemd user service and
//! timer, a Task Scheduler task (XML, written as UTF-16), a launchd agent. Pure text from a
//! [`Plan`]; the packages ship the same files `schedule install` writes.

use std::fmt::Write as _;

use super::{LAUNCHD_LABEL, NAME, Plan, windowless};
use crate::render::xml::escape as xml_escape;

/// Quotes one word for a systemd `ExecStart=` line (and escapes `%` specifiers).
fn systemd_word(s: &str) -> String {
    let escaped = s.replace('%', "%%");
    if escaped.is_empty()
        || escaped
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'))
    {
        let mut q = String::from("\"");
        for c in escaped.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                _ => q.push(c),
            }
        }
        q.push('"');
        q
    } else {
        escaped
    }
}

/// The systemd user service that runs one check.
pub fn systemd_service(plan: &Plan) -> String {
    let mut exec = systemd_word(&plan.exe.display().to_string());
    for a in plan.args() {
        exec.push(' ');
        exec.push_str(&systemd_word(&a));
    }
    format!(
        "[Unit]\n\
         Description=readycheck remote-work readiness check\n\
         Documentation=man:readycheck(1)\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={exec}\n\
         # 1 (degraded) and 2 (not ready) are answers, not failures of the unit.\n\
         SuccessExitStatus=1 2\n\
         Nice=10\n\
         TimeoutStartSec=15min\n"
    )
}

/// The systemd user timer; `Persistent=true` runs a missed check at the next boot or login.
pub fn systemd_timer(plan: &Plan) -> String {
    let mut t = format!(
        "[Unit]\n\
         Description=Daily readycheck at {at}\n\
         Documentation=man:readycheck(1)\n\
         \n\
         [Timer]\n\
         OnCalendar=*-*-* {at}:00\n\
         Persistent=true\n",
        at = plan.at
    );
    if plan.spread_secs > 0 {
        let _ = writeln!(t, "RandomizedDelaySec={}", plan.spread_secs);
    }
    t.push_str("\n[Install]\nWantedBy=timers.target\n");
    t
}

/// Quotes one argument the way `CommandLineToArgvW` reads it back.
pub fn windows_arg(s: &str) -> String {
    if !s.is_empty() && !s.chars().any(|c| c == ' ' || c == '\t' || c == '"') {
        return s.to_string();
    }
    let mut o = String::from("\"");
    let mut backslashes = 0;
    for c in s.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                o.push_str(&"\\".repeat(backslashes * 2 + 1));
                o.push('"');
                backslashes = 0;
            }
            _ => {
                o.push_str(&"\\".repeat(backslashes));
                o.push(c);
                backslashes = 0;
            }
        }
    }
    o.push_str(&"\\".repeat(backslashes * 2));
    o.push('"');
    o
}

/// The Task Scheduler task (schema 1.2) for the current user. `StartWhenAvailable` runs a missed
/// check when the PC is next on; the task runs without administrator rights and whether or not
/// the network is up (an offline report is spooled and sent later). Written to disk as UTF-16
/// with a byte-order mark ([`utf16_bom`]), which is what `schtasks /XML` expects.
pub fn task_xml(plan: &Plan) -> String {
    let args: Vec<String> = plan.args().iter().map(|a| windows_arg(a)).collect();
    let exe = windowless(&plan.exe);
    let delay = if plan.spread_secs > 0 {
        format!("\n      <RandomDelay>PT{}S</RandomDelay>", plan.spread_secs)
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{desc}</Description>
    <URI>\{NAME}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>2026-01-01T{at}:00</StartBoundary>
      <Enabled>true</Enabled>{delay}
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <ExecutionTimeLimit>PT15M</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{exe}</Command>
      <Arguments>{args}</Arguments>
    </Exec>
  </Actions>
</Task>
"#,
        desc = xml_escape(&plan.describe()),
        at = plan.at,
        exe = xml_escape(&exe.display().to_string()),
        args = xml_escape(&args.join(" ")),
    )
}

/// `text` as UTF-16LE with a byte-order mark.
pub fn utf16_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// The launchd agent for the current user (`~/Library/LaunchAgents`). launchd runs a
/// `StartCalendarInterval` job missed while the Mac slept when it wakes.
pub fn launchd_plist(plan: &Plan) -> String {
    let mut argv = format!(
        "    <string>{}</string>\n",
        xml_escape(&plan.exe.display().to_string())
    );
    for a in plan.args() {
        let _ = writeln!(argv, "    <string>{}</string>", xml_escape(&a));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{LAUNCHD_LABEL}</string>
  <key>Comment</key>
  <string>{desc}</string>
  <key>ProgramArguments</key>
  <array>
{argv}  </array>
  <key>StartCalendarInterval</key>
  <dict>
    <key>Hour</key>
    <integer>{hour}</integer>
    <key>Minute</key>
    <integer>{minute}</integer>
  </dict>
  <key>RunAtLoad</key>
  <false/>
  <key>ProcessType</key>
  <string>Background</string>
  <key>LowPriorityIO</key>
  <true/>
</dict>
</plist>
"#,
        desc = xml_escape(&plan.describe()),
        hour = plan.at.hour,
        minute = plan.at.minute,
    )
}
