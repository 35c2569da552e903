//! `[extract]`: extraction settings shared by every source. Today one key,
//! `site_config_dir`: a folder of Full-Text RSS site config files
//! (`host.txt`, `.host.txt`, `global.txt`; e.g. a checkout of the CC0
//! `ftr-site-config` collection). Reading that folder happens here, at
//! load and at each reload; the files are parsed and compiled by
//! `extract::siteconfig`. A missing or unreadable folder is a config error;
//! a problem inside a file never is (it is reported by
//! `refeed check --site-configs` and logged once per file at load).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::raw::RawExtract;
use super::report::Report;
use crate::extract::siteconfig::{MAX_FILES, SiteConfigs, parse::MAX_FILE_BYTES};

/// `[extract]`, validated.
#[derive(Debug, Clone, Default)]
pub struct ExtractConfig {
    /// `site_config_dir`, resolved against the config file's folder.
    pub site_config_dir: Option<PathBuf>,
    /// The files read from it.
    pub site_configs: Option<Arc<SiteConfigs>>,
}

/// Validates `[extract]` and reads the site config folder.
pub(super) fn extract(
    raw: &RawExtract,
    dir: &Path,
    report: &mut Report<'_>,
) -> Option<ExtractConfig> {
    let Some(written) = &raw.site_config_dir else {
        return Some(ExtractConfig::default());
    };
    let key = "extract.site_config_dir";
    if written.get_ref().trim().is_empty() {
        report.add(written.span(), None, key, "empty path");
        return None;
    }
    let folder = dir.join(written.get_ref());
    match read_folder(&folder) {
        Ok(configs) => {
            log_problems(&configs);
            Some(ExtractConfig {
                site_config_dir: Some(folder),
                site_configs: Some(Arc::new(configs)),
            })
        }
        Err(why) => {
            let message = format!("cannot read site config folder {}: {why}", folder.display());
            report.add(written.span(), None, key, message);
            None
        }
    }
}

/// Reads every `*.txt` file of `folder` (not its subfolders), at most
/// [`MAX_FILES`] of them, each at most [`MAX_FILE_BYTES`] (a larger file
/// or one that is not UTF-8 is skipped with a warning).
pub fn read_folder(folder: &Path) -> Result<SiteConfigs, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !name.ends_with(".txt") || !path.is_file() {
            continue;
        }
        if files.len() == MAX_FILES {
            return Err(format!("more than {MAX_FILES} .txt files"));
        }
        match read_file(&path) {
            Ok(text) => files.push((name, text)),
            Err(why) => tracing::warn!(file = %path.display(), "site config file skipped: {why}"),
        }
    }
    Ok(SiteConfigs::from_files(files))
}

fn read_file(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// One log line per file with lines it does not apply.
fn log_problems(configs: &SiteConfigs) {
    for config in configs.files() {
        let errors = config.errors().count();
        let skipped = config.problems.len() - errors;
        if errors > 0 {
            tracing::warn!(file = %config.file, errors, skipped, "site config rules with errors are not applied (see `refeed check --site-configs`)");
        } else if skipped > 0 {
            tracing::debug!(file = %config.file, skipped, "site config directives skipped (see `refeed check --site-configs`)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const SOURCE: &str = "[[source]]\nid = \"s\"\nurl = \"https://outlet.example/\"\n\
                          schedule = \"@hourly\"\nfull_text = true\n";

    #[test]
    fn the_folder_is_read_relative_to_the_config_and_given_to_every_source() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("sites");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(
            folder.join("outlet.example.txt"),
            "body: //article\nlogin_uri: x\n",
        )
        .unwrap();
        std::fs::write(folder.join("README.md"), "not a site config").unwrap();
        let text = format!("[extract]\nsite_config_dir = \"sites\"\n\n{SOURCE}");
        let config = Config::parse(&text, &dir.path().join("refeed.toml")).unwrap();
        assert_eq!(
            config.extract.site_config_dir.as_deref(),
            Some(folder.as_path())
        );
        let configs = config.sources[0].article.site_configs.as_ref().unwrap();
        assert_eq!(configs.len(), 1);
        assert_eq!(configs.files()[0].body.len(), 1);
    }

    #[test]
    fn a_missing_folder_is_a_config_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("[extract]\nsite_config_dir = \"nowhere\"\n\n{SOURCE}");
        let err = Config::parse(&text, &dir.path().join("refeed.toml")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(":2:"), "{message}");
        assert!(message.contains("extract.site_config_dir"), "{message}");
        assert!(
            message.contains("cannot read site config folder"),
            "{message}"
        );
    }

    #[test]
    fn without_the_key_no_site_configs_apply() {
        let config = Config::parse(SOURCE, Path::new("refeed.toml")).unwrap();
        assert!(config.extract.site_configs.is_none());
        assert!(config.sources[0].article.site_configs.is_none());
    }
}
