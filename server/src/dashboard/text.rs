//! The dashboard's words in English and Simplified Chinese (keyed by the English text, so a
//! missing translation shows English, and a test finds it), the owners and layers of a
//! diagnosis named in words, the language a request asks for, and times in the configured zone
//! with the zone named.

use readycheck_sdk::i18n::Locale;

/// `en` in the reader's language.
pub fn t(l: Locale, en: &'static str) -> &'static str {
    if l == Locale::En {
        return en;
    }
    zh(en).unwrap_or(en)
}

fn zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "Helpdesk" => "IT 服务台",
        "Sign in" => "登录",
        "Sign out" => "退出",
        "User name" => "用户名",
        "Password" => "密码",
        "The user name or password is wrong." => "用户名或密码错误。",
        "The form expired; please try again." => "表单已过期，请重试。",
        "as of" => "截至",
        "Roster" => "名册",
        "Ready" => "可以工作",
        "Degraded" => "有隐患",
        "Not ready" => "无法工作",
        "Not yet reported" => "尚未报告",
        "Stale" => "报告过旧",
        "Not on the roster" => "不在名册中",
        "Not ready now" => "现在无法工作",
        "Incidents" => "事件",
        "Degraded hosts" => "有隐患的电脑",
        "Nobody is not ready." => "没有无法工作的人。",
        "No incident under way." => "目前没有事件。",
        "No degraded host." => "没有有隐患的电脑。",
        "Everyone on the roster has reported." => "名册上的人都已报告。",
        "No roster imported yet." => "尚未导入名册。",
        "User" => "用户",
        "Host" => "电脑",
        "Site" => "站点",
        "Department" => "部门",
        "Role" => "角色",
        "Essential" => "关键岗位",
        "Whose problem" => "谁的问题",
        "Why" => "原因",
        "Since" => "开始于",
        "Report" => "报告",
        "open" => "打开",
        "all" => "全部",
        "more" => "更多",
        "Any" => "全部",
        "Verdict" => "结论",
        "Owner" => "责任方",
        "Cause" => "根因",
        "Filter" => "筛选",
        "Clear" => "清除",
        "Export CSV" => "导出 CSV",
        "Verdicts by site" => "各站点结论",
        "Arrivals this morning" => "今晨报告到达",
        "Cause × site" => "根因 × 站点",
        "reported" => "已报告",
        "on the roster" => "名册人数",
        "since" => "自",
        "all in" => "全部在",
        "in" => "分布于",
        "History" => "历史",
        "What changed since the run before" => "与上一次运行相比的变化",
        "Nothing changed." => "没有变化。",
        "Only one run so far." => "目前只有一次运行。",
        "The latest report" => "最新报告",
        "partial run" => "部分运行",
        "Back" => "返回",
        "Import a roster" => "导入名册",
        "Import" => "导入",
        "CSV with a header: user, host, site, department, role/profile, essential (yes/no); UTF-8 (with or without BOM) or GB18030." => {
            "带表头的 CSV：用户、主机、站点、部门、角色、关键（是/否）；UTF-8（带或不带 BOM）或 GB18030。"
        }
        "Only administrators can import a roster." => "只有管理员可以导入名册。",
        "Reported hosts not on the roster" => "已报告但不在名册中的电脑",
        "hosts on the roster" => "台电脑在名册中",
        "Language" => "语言",
        "Page" => "页",
        "Previous" => "上一页",
        "Next" => "下一页",
        "live" => "实时",
        "yes" => "是",
        "no" => "否",
        "not on the roster" => "不在名册中",
        "Verdicts by site, as hosts" => "各站点结论（电脑数）",
        "Reports in (line) against the roster (dashes), every 15 minutes" => {
            "报告到达（线）与名册人数（虚线），每 15 分钟"
        }
        "Not ready and degraded hosts by root cause and site" => {
            "无法工作和有隐患的电脑：按根因和站点"
        }
        "No data yet." => "暂无数据。",
        "Dashboard" => "总览",
        "was" => "原为",
        "now" => "现为",
        "new check" => "新检查",
        "check gone" => "检查已移除",
        _ => return None,
    })
}

/// The verdict in words.
pub fn verdict(l: Locale, v: &str) -> &'static str {
    match v {
        "ready" => t(l, "Ready"),
        "degraded" => t(l, "Degraded"),
        "not_ready" => t(l, "Not ready"),
        "stale" => t(l, "Stale"),
        "not_reported" => t(l, "Not yet reported"),
        _ => "?",
    }
}

/// A diagnosis owner in words.
pub fn owner(l: Locale, o: &str) -> &'static str {
    let (en, zh) = match o {
        "none" => ("nothing to fix", "无需处理"),
        "this_pc" => ("this PC", "员工电脑"),
        "home_network" => ("home network or ISP", "家庭网络或运营商"),
        "sign_in_page" => ("Wi-Fi sign-in page", "Wi-Fi 登录页"),
        "proxy" => ("proxy", "代理"),
        "vpn_client" => ("VPN client", "VPN 客户端"),
        "company" => ("company", "公司"),
        "vendor" => ("vendor", "供应商"),
        _ => ("unknown", "未知"),
    };
    if l == Locale::ZhCn { zh } else { en }
}

/// Where the fault is, in words ("company VPN gateway"): the layer when it names one, else
/// the owner.
pub fn cause_place(l: Locale, owner_: &str, layer: &str) -> &'static str {
    let (en, zh) = match layer {
        "this_pc" => ("this PC", "员工电脑"),
        "home_network" => ("home network", "家庭网络"),
        "sign_in" => ("Wi-Fi sign-in page or proxy", "Wi-Fi 登录页或代理"),
        "dns" => ("home or ISP DNS", "家庭或运营商 DNS"),
        "vpn_gateway" => ("company VPN gateway", "公司 VPN 网关"),
        "vpn_tunnel" => ("VPN client", "VPN 客户端"),
        "company_dns" => ("company DNS", "公司 DNS"),
        "intranet" => ("company intranet", "公司内网"),
        "vendor" => ("vendor service", "供应商服务"),
        _ => return owner(l, owner_),
    };
    if l == Locale::ZhCn { zh } else { en }
}

/// The language of a request: the account's setting, else the browser's `Accept-Language`.
pub fn locale(setting: Option<&str>, accept_language: Option<&str>) -> Locale {
    if let Some(l) = setting.and_then(Locale::parse) {
        return l;
    }
    let Some(accept) = accept_language else {
        return Locale::En;
    };
    let mut best = (Locale::En, -1.0f32);
    for part in accept.split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
            .unwrap_or(1.0);
        if let Some(l) = Locale::parse(tag)
            && q > best.1
        {
            best = (l, q);
        }
    }
    best.0
}

/// Times in the dashboard's zone.
#[derive(Debug, Clone)]
pub struct Clock {
    pub tz: jiff::tz::TimeZone,
    pub now: i64,
}

impl Clock {
    fn zoned(&self, ms: i64) -> Option<jiff::Zoned> {
        Some(
            jiff::Timestamp::from_millisecond(ms)
                .ok()?
                .to_zoned(self.tz.clone()),
        )
    }

    /// `05:52` today, `11-29 05:52` another day.
    pub fn short(&self, ms: i64) -> String {
        let (Some(t), Some(n)) = (self.zoned(ms), self.zoned(self.now)) else {
            return "?".into();
        };
        if t.date() == n.date() {
            t.strftime("%H:%M").to_string()
        } else if t.year() == n.year() {
            t.strftime("%m-%d %H:%M").to_string()
        } else {
            t.strftime("%Y-%m-%d %H:%M").to_string()
        }
    }

    /// `2026-11-30 06:15:03`.
    pub fn full(&self, ms: i64) -> String {
        self.zoned(ms)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "?".into())
    }

    /// The zone named: `Asia/Shanghai, CST +08:00`.
    pub fn zone(&self) -> String {
        let name = self.tz.iana_name().unwrap_or("UTC");
        match self.zoned(self.now) {
            Some(z) => format!("{name}, {}", z.strftime("%Z %:z")),
            None => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_the_pages_use_is_translated() {
        let mut missing = Vec::new();
        for src in [
            include_str!("view.rs"),
            include_str!("charts.rs"),
            include_str!("mod.rs"),
        ] {
            for piece in src.split("t(l, \"").skip(1) {
                let en = piece.split('"').next().unwrap_or("");
                if zh(en).is_none() {
                    missing.push(en.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "no Chinese for {missing:?}");
    }

    #[test]
    fn language_from_the_setting_then_the_browser() {
        assert_eq!(locale(None, Some("zh-CN,zh;q=0.9,en;q=0.8")), Locale::ZhCn);
        assert_eq!(locale(None, Some("en-US,en;q=0.9,zh;q=0.5")), Locale::En);
        assert_eq!(locale(Some("zh-CN"), Some("en")), Locale::ZhCn);
        assert_eq!(locale(None, None), Locale::En);
    }

    #[test]
    fn times_are_local_with_the_zone_named() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-30T22:15:00Z is 06:15 on 12-01 in Shanghai.
        let now = 1_796_076_900_000;
        let c = Clock { tz, now };
        assert_eq!(c.short(now), "06:15");
        assert_eq!(c.zone(), "Asia/Shanghai, CST +08:00");
    }
}
