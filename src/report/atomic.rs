//! Writes an output folder atomically: everything goes into a temporary sibling folder, which is
//! renamed into place only when complete. An interrupted or failed run leaves the previous
//! results untouched and no half-written files.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Replaces folder `dest` with one holding exactly `files`.
pub fn write_folder(dest: &Path, files: &[super::File]) -> anyhow::Result<()> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dest
        .file_name()
        .with_context(|| format!("{} is not a folder name", dest.display()))?
        .to_string_lossy()
        .into_owned();
    let tmp = sibling(parent, &name, "tmp");
    let result = (|| {
        fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        for (file, bytes) in files {
            // Names may hold folders (`points/<label>/summary.json`).
            let path = tmp.join(file);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        }
        // Move the old results aside first: a rename onto a non-empty folder fails.
        let old = sibling(parent, &name, "old");
        let had_old = dest.exists();
        if had_old {
            fs::rename(dest, &old)
                .with_context(|| format!("cannot move aside {}", dest.display()))?;
        }
        if let Err(e) = fs::rename(&tmp, dest) {
            if had_old {
                let _ = fs::rename(&old, dest);
            }
            return Err(e).with_context(|| format!("cannot move results into {}", dest.display()));
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn sibling(parent: &Path, name: &str, what: &str) -> PathBuf {
    parent.join(format!(".{name}.{what}-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_folder_whole() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out").join("run");
        write_folder(
            &dest,
            &[
                ("a.txt".into(), b"one".to_vec()),
                ("b.txt".into(), b"two".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(fs::read(dest.join("a.txt")).unwrap(), b"one");
        write_folder(&dest, &[("a.txt".into(), b"three".to_vec())]).unwrap();
        assert_eq!(fs::read(dest.join("a.txt")).unwrap(), b"three");
        assert!(!dest.join("b.txt").exists(), "old files do not linger");
        let leftovers: Vec<_> = fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary folders left behind");
    }
}
