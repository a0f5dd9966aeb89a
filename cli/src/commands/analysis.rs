//! `atrama analysis`: the joint case analysis's templates (list, import) and the
//! comparative analysis of a year's completed analyses (coordination centre).

use std::path::PathBuf;

use atrama::Error;
use atrama::analysis::{CompareQuery, GroupBy};

use crate::output::Output;
use crate::session::{Access, Session};

#[derive(clap::Subcommand)]
pub(crate) enum AnalysisCommand {
    /// Case-analysis templates: list them, or import one from a JSON file.
    #[command(subcommand)]
    Template(AnalysisTemplateCommand),
    /// Write the comparative analysis of a year's completed case analyses.
    Export {
        /// The year the analyses were completed in (YYYY).
        #[arg(long)]
        period: String,
        /// xlsx (a workbook: About, Key figures, a sheet per section) or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Columns by centre or by country.
        #[arg(long, default_value = "centre")]
        by: String,
        /// Only these centres (or countries), comma-separated; default: all.
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// The template id; default: the one with the most analyses that year.
        #[arg(long)]
        template: Option<String>,
        /// Language of the template's texts (en, lt, lv, az, ru).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum AnalysisTemplateCommand {
    /// List the template versions here, newest version first.
    List,
    /// Import a template file (JSON, docs/multi-agency.md); a version is never changed.
    Import {
        /// The template file.
        file: PathBuf,
    },
}

pub(crate) fn run(session: &Session, out: Output, cmd: AnalysisCommand) -> Result<(), Error> {
    match cmd {
        AnalysisCommand::Template(AnalysisTemplateCommand::List) => {
            let store = session.unlock(Access::Write)?;
            out.show_or(&store.analysis_templates()?, |list| {
                let lang = store.profile()?.language.code();
                for t in list {
                    let title = t
                        .title
                        .get(lang)
                        .or_else(|| t.languages.first().and_then(|l| t.title.get(l)))
                        .map_or("", String::as_str);
                    println!(
                        "{:<28} v{:<4} {:>3} questions  from {:<10} {}{}",
                        t.id,
                        t.version,
                        t.questions,
                        t.origin,
                        title,
                        if t.current { "" } else { "  [older version]" }
                    );
                }
                println!("{} template version(s)", list.len());
                Ok(())
            })
        }
        AnalysisCommand::Template(AnalysisTemplateCommand::Import { file }) => {
            let mut store = session.unlock(Access::Write)?;
            out.show(&store.import_analysis_template(&file)?, |saved| {
                match saved.outcome.as_str() {
                    "unchanged" => println!(
                        "Template {} version {} was already here; nothing changed.",
                        saved.id, saved.version
                    ),
                    _ => println!(
                        "Recorded template {} version {}; it goes to the centres in their next return bundles.",
                        saved.id, saved.version
                    ),
                }
            })
        }
        AnalysisCommand::Export {
            period,
            format,
            out: file,
            by,
            groups,
            template,
            language,
        } => {
            let year: i32 = period
                .trim()
                .parse()
                .ok()
                .filter(|_| period.trim().len() == 4)
                .ok_or_else(|| {
                    Error::InvalidInput(format!("--period '{period}' is not a year (YYYY)"))
                })?;
            let group_by = match by.trim().to_ascii_lowercase().as_str() {
                "centre" | "center" => GroupBy::Centre,
                "country" => GroupBy::Country,
                other => {
                    return Err(Error::InvalidInput(format!(
                        "--by '{other}': use centre or country"
                    )));
                }
            };
            let q = CompareQuery {
                year,
                group_by,
                groups,
                template_id: template,
                language: Some(language),
            };
            let store = session.unlock(Access::Write)?;
            let c = match format.trim().to_ascii_lowercase().as_str() {
                "xlsx" => store.write_analysis_comparison(&q, &file)?,
                "json" => {
                    let c = store.compare_analyses(&q)?;
                    let text = serde_json::to_string_pretty(&c)
                        .map_err(|e| Error::InvalidInput(e.to_string()))?;
                    atrama::atomic_file::write(&file, text.as_bytes())?;
                    c
                }
                other => {
                    return Err(Error::InvalidInput(format!(
                        "--format '{other}': use xlsx or json"
                    )));
                }
            };
            let written = serde_json::json!({
                "path": file.display().to_string(),
                "year": c.year,
                "template": c.template_id,
                "groups": c.groups,
            });
            out.show(&written, |_| {
                let groups: Vec<String> = c
                    .groups
                    .iter()
                    .map(|g| format!("{} ({})", g.key, g.analyses))
                    .collect();
                println!(
                    "Wrote the comparative case analysis {} ({}) to {}: {}",
                    c.year,
                    c.template_id,
                    file.display(),
                    groups.join(", ")
                );
            })
        }
    }
}
