//! Reproducible archives of a staged directory: `.tar.gz` (owner root, fixed times, 0755/0644)
//! and `.zip` (with Unix modes, so the executable stays executable when unpacked on Linux).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Every file and directory under `dir`, sorted, relative to it.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir)?.to_path_buf());
        }
    }
    out.sort();
    Ok(out)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.extension().is_some_and(|e| e == "exe")
    }
}

/// `dir` as `out` (gzip-compressed tar), its entries under `prefix/`.
pub fn tar_gz(dir: &Path, prefix: &str, out: &Path) -> Result<()> {
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.append_dir(prefix, dir)?;
    for rel in walk(dir)? {
        let name = Path::new(prefix).join(&rel);
        let full = dir.join(&rel);
        if full.is_dir() {
            tar.append_dir(&name, &full)?;
        } else {
            tar.append_path_with_name(&full, &name)?;
        }
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(())
}

/// `dir` as a zip file `out`, its entries under `prefix/`.
pub fn zip(dir: &Path, prefix: &str, out: &Path) -> Result<()> {
    use zip::write::SimpleFileOptions;
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let base = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.add_directory(format!("{prefix}/"), base.unix_permissions(0o755))?;
    for rel in walk(dir)? {
        let name = format!(
            "{prefix}/{}",
            rel.to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/")
        );
        let full = dir.join(&rel);
        if full.is_dir() {
            zip.add_directory(format!("{name}/"), base.unix_permissions(0o755))?;
        } else {
            let mode = if is_executable(&full) || name.ends_with(".exe") {
                0o755
            } else {
                0o644
            };
            zip.start_file(name, base.unix_permissions(mode))?;
            let bytes = std::fs::read(&full)?;
            zip.write_all(&bytes)?;
        }
    }
    zip.finish()?;
    Ok(())
}
