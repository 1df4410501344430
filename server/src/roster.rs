//! The roster: who should be able to work, as exported from AD or HR — a CSV file with a header
//! (user, host, site, department, role/profile, essential yes/no; English or Chinese column
//! names) in UTF-8 with or without a BOM, UTF-16 with a BOM, or GB18030 (Chinese Excel's
//! default). Parsing only, no I/O: good rows are kept, bad ones are reported by line.

use crate::store::RosterRow;

/// Why a file cannot be read as a roster at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RosterError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is neither UTF-8 nor GB18030 text")]
    Encoding,
    #[error(
        "the header has no host column (one of: host, hostname, computer, 主机, 主机名, 计算机名); it reads: {0}"
    )]
    NoHostColumn(String),
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    pub line: u64,
    pub message: String,
}

/// What a file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// `UTF-8`, `UTF-8 (BOM)`, `UTF-16` or `GB18030`.
    pub encoding: &'static str,
    pub rows: Vec<RosterRow>,
    pub bad: Vec<BadRow>,
}

/// The text of a file in whichever encoding it is in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), RosterError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), "UTF-8 (BOM)"))
            .map_err(|_| RosterError::Encoding);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, _) = encoding_rs::Encoding::for_bom(bytes).ok_or(RosterError::Encoding)?;
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(RosterError::Encoding);
        }
        return Ok((text.into_owned(), "UTF-16"));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(RosterError::Encoding);
    }
    Ok((text.into_owned(), "GB18030"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Host,
    User,
    Site,
    Department,
    Role,
    Essential,
}

fn column(name: &str) -> Option<Column> {
    let n: String = name
        .trim()
        .trim_matches('"')
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '/'))
        .collect();
    Some(match n.as_str() {
        "host" | "hostname" | "computer" | "computername" | "machine" | "pc" | "device"
        | "主机" | "主机名" | "计算机" | "计算机名" | "电脑" | "设备" => {
            Column::Host
        }
        "user" | "username" | "samaccountname" | "login" | "account" | "employee" | "name"
        | "用户" | "用户名" | "账号" | "帐号" | "员工" | "姓名" => Column::User,
        "site" | "location" | "office" | "city" | "站点" | "地点" | "办公地点" | "城市"
        | "地区" => Column::Site,
        "department" | "dept" | "team" | "部门" | "团队" => Column::Department,
        "role" | "profile" | "roleprofile" | "job" | "角色" | "岗位" | "配置" | "职位" => {
            Column::Role
        }
        "essential" | "critical" | "key" | "关键" | "关键岗位" | "必要" | "重要" => {
            Column::Essential
        }
        _ => return None,
    })
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "是" | "y/是" | "essential" | "关键" => Some(true),
        "no" | "n" | "false" | "0" | "" | "否" | "不是" => Some(false),
        _ => None,
    }
}

/// Parses a roster file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, RosterError> {
    let (text, encoding) = decode(bytes)?;
    let first = text.lines().next().unwrap_or("");
    if text.trim().is_empty() {
        return Err(RosterError::Empty);
    }
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| RosterError::Csv {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let cols: Vec<Option<Column>> = headers.iter().map(column).collect();
    if !cols.contains(&Some(Column::Host)) {
        return Err(RosterError::NoHostColumn(
            headers.iter().collect::<Vec<_>>().join(", "),
        ));
    }
    let mut rows: Vec<RosterRow> = Vec::new();
    let mut seen: std::collections::HashMap<String, (usize, u64)> = Default::default();
    let mut bad = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                bad.push(BadRow {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut row = RosterRow {
            hostname: String::new(),
            username: String::new(),
            site: String::new(),
            department: String::new(),
            role: String::new(),
            essential: false,
        };
        let mut problem = None;
        for (i, field) in record.iter().enumerate() {
            let v = field.trim().to_string();
            match cols.get(i).copied().flatten() {
                Some(Column::Host) => row.hostname = v,
                Some(Column::User) => row.username = v,
                Some(Column::Site) => row.site = v,
                Some(Column::Department) => row.department = v,
                Some(Column::Role) => row.role = v,
                Some(Column::Essential) => match yes_no(&v) {
                    Some(b) => row.essential = b,
                    None => problem = Some(format!("essential is `{v}`; write yes or no (是/否)")),
                },
                None => {}
            }
        }
        if row.hostname.is_empty() {
            problem.get_or_insert_with(|| "no host name".into());
        } else if row.hostname.len() > 255 || row.hostname.chars().any(char::is_control) {
            problem.get_or_insert_with(|| "the host name is not a host name".into());
        }
        if let Some(message) = problem {
            bad.push(BadRow { line, message });
            continue;
        }
        let key = row.hostname.to_lowercase();
        match seen.get(&key) {
            Some(&(at, first_line)) => {
                bad.push(BadRow {
                    line,
                    message: format!(
                        "host `{}` is also on line {first_line}; this line replaces it",
                        row.hostname
                    ),
                });
                rows[at] = row;
            }
            None => {
                seen.insert(key, (rows.len(), line));
                rows.push(row);
            }
        }
    }
    Ok(Parsed {
        encoding,
        rows,
        bad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "用户,主机,站点,部门,角色,关键\n张三,SH-TRD-001,上海,交易部,trading,是\n李四,sz-bo-002,深圳,后台,back office,否\n";

    #[test]
    fn utf8_bom_and_gb18030_read_the_same() {
        let plain = parse(CSV.as_bytes()).unwrap();
        assert_eq!(plain.encoding, "UTF-8");
        assert_eq!(plain.rows.len(), 2);
        assert_eq!(plain.rows[0].hostname, "SH-TRD-001");
        assert_eq!(plain.rows[0].site, "上海");
        assert!(plain.rows[0].essential);
        assert!(!plain.rows[1].essential);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(CSV.as_bytes());
        let with_bom = parse(&bom).unwrap();
        assert_eq!(with_bom.encoding, "UTF-8 (BOM)");
        assert_eq!(with_bom.rows, plain.rows);
        let (gb, _, _) = encoding_rs::GB18030.encode(CSV);
        let gb = parse(&gb).unwrap();
        assert_eq!(gb.encoding, "GB18030");
        assert_eq!(gb.rows, plain.rows);
    }

    #[test]
    fn bad_rows_are_reported_by_line() {
        let text =
            "host,user,site,essential\nPC-1,a,HQ,yes\n,b,HQ,no\nPC-3,c,HQ,maybe\nPC-1,d,HQ,no\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].username, "d");
        let lines: Vec<u64> = p.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 4, 5], "{:?}", p.bad);
        assert!(p.bad[1].message.contains("maybe"));
    }

    #[test]
    fn no_host_column_is_an_error() {
        assert!(matches!(
            parse(b"name,site\na,b\n"),
            Err(RosterError::NoHostColumn(_))
        ));
        assert_eq!(parse(b"host\n\xff\xff\xff"), Err(RosterError::Encoding));
    }
}
