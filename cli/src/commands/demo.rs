//! `atrama demo`: fills the store with realistic, clearly fictitious demo data.

use atrama::Error;

use crate::output::Output;
use crate::session::{Access, Session};

#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// How many clients.
    #[arg(long)]
    clients: u32,
    /// Over how many months before today.
    #[arg(long, default_value_t = 36)]
    months: u32,
    /// Seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) fn run(session: &Session, out: Output, args: DemoArgs) -> Result<(), Error> {
    let mut store = session.unlock(Access::Write)?;
    let today = chrono::Local::now().date_naive();
    // One transaction for the whole run: the fastest way to write it, and all or nothing.
    let shape = atrama::demo::DemoShape {
        clients_per_batch: args.clients,
        ..atrama::demo::DemoShape::default()
    };
    let summary = atrama::demo::generate_shaped(
        &mut store,
        &atrama::demo::DemoOptions {
            clients: args.clients,
            months: args.months,
            seed: args.seed,
            today,
        },
        shape,
    )?;
    out.show(&summary, |summary| println!("{summary}"))
}
