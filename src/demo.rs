//! The demo data generator: realistic, clearly fictitious case records so that the app,
//! the reports and the benchmarks have something real to chew on.
//!
//! Every name is drawn from lists of common Lithuanian, Latvian, Azerbaijani and Russian
//! given and family names, put together at random; streets are "Pavyzdžio g." / "Parauga
//! iela" / "Nümunə küç." ("Example street"); phone numbers are in the `600 0xxxx` block.
//! The distributions (violence forms, relationships, children, services, referrals,
//! closures) follow the shape described in DOMAIN.md, not any real centre's figures.
//!
//! Deterministic: the same seed, sizes and `today` give the same records (ids and versions
//! differ, as they come from the clock).

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::cases::{
    Batch, CaseFields, ChildFields, ClientFields, ConsentFields, ContactSafety, IncidentFields,
    NewCase, NoteFields, PerpetratorLink, ProtectionOrderFields, ReferralFields,
    ServiceContactFields, Tri,
};
use crate::centre::Country;
use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::risk::safety_plan::SafetyPlanSections;
use crate::risk::{Answers, RiskAssessmentFields, SafetyPlanFields};
use crate::store::Store;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// How many clients (each with one case; some come back with a second).
    pub clients: u32,
    /// Cases are opened over this many months before `today`.
    pub months: u32,
    /// The seed.
    pub seed: u64,
    /// The last day of the period.
    pub today: NaiveDate,
}

/// Sizes of what a run wrote, for the CLI and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSummary {
    /// Staff accounts added (demo counsellors, without a passphrase).
    pub staff: u32,
    /// Clients.
    pub clients: u32,
    /// Cases.
    pub cases: u32,
    /// Incidents.
    pub incidents: u32,
    /// Children.
    pub children: u32,
    /// Service contacts.
    pub service_contacts: u32,
    /// Referrals.
    pub referrals: u32,
    /// Protection orders.
    pub protection_orders: u32,
    /// Consent events.
    pub consents: u32,
    /// Notes.
    pub notes: u32,
    /// Risk assessments (the built-in checklist).
    #[serde(default)]
    pub assessments: u32,
    /// Safety plans.
    #[serde(default)]
    pub safety_plans: u32,
    /// Closed cases.
    pub closed: u32,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "demo data written: {} clients, {} cases ({} closed), {} incidents, {} children, \
             {} service contacts, {} referrals, {} protection orders, {} consent events, {} notes, \
             {} risk assessments, {} safety plans",
            self.clients,
            self.cases,
            self.closed,
            self.incidents,
            self.children,
            self.service_contacts,
            self.referrals,
            self.protection_orders,
            self.consents,
            self.notes,
            self.assessments,
            self.safety_plans
        )
    }
}

/// How many service contacts and notes a case gets on average, and how many clients go
/// into one transaction.
#[derive(Debug, Clone, Copy)]
pub struct DemoShape {
    /// Mean service contacts per case.
    pub contacts_per_case: f64,
    /// Mean notes per case.
    pub notes_per_case: f64,
    /// Clients per transaction.
    pub clients_per_batch: u32,
}

impl Default for DemoShape {
    /// A centre's shape: 5,000 clients, 200,000 service contacts and 100,000 notes.
    fn default() -> Self {
        DemoShape {
            contacts_per_case: 40.0,
            notes_per_case: 20.0,
            clients_per_batch: 250,
        }
    }
}

/// The demo staff: user name and disciplines.
const STAFF: &[(&str, &str)] = &[
    ("jurgita", "social_work"),
    ("tomas", "legal"),
    ("ieva", "psychological"),
    ("aleksandr", "social_work"),
    ("gunel", "psychological"),
];

/// Fills the store with demo data (the centre's country chooses the mix of languages).
pub fn generate(store: &mut Store, options: &DemoOptions) -> Result<DemoSummary> {
    generate_shaped(store, options, DemoShape::default())
}

/// Like [`generate`], with the sizes of sub-records chosen by the caller.
pub fn generate_shaped(
    store: &mut Store,
    options: &DemoOptions,
    shape: DemoShape,
) -> Result<DemoSummary> {
    if options.clients == 0 {
        return Err(Error::invalid("ask for at least one client"));
    }
    if options.months == 0 || options.months > 240 {
        return Err(Error::invalid("the period is 1 to 240 months"));
    }
    let country = store.ctx.country;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut summary = DemoSummary::default();
    let staff: Vec<String> = store.batch(|b| {
        let mut names = vec![b.ctx.user.clone()];
        for (user, disciplines) in STAFF {
            let added = b.tx.execute(
                "INSERT INTO staff (id, username, role, created_at, disciplines)
                 VALUES (?1, ?2, 'counsellor', ?3, ?4) ON CONFLICT (username) DO NOTHING",
                rusqlite::params![
                    crate::ids::ClientId::new().to_string(),
                    user,
                    b.now,
                    disciplines
                ],
            )?;
            summary.staff += u32::try_from(added).unwrap_or(0);
            names.push((*user).to_owned());
        }
        Ok(names)
    })?;
    let start = options.today - Duration::days(i64::from(options.months) * 30);
    let span = (options.today - start).num_days().max(1);
    let mut remaining = options.clients;
    let mut serial = 0u32;
    while remaining > 0 {
        let n = remaining.min(shape.clients_per_batch.max(1));
        remaining -= n;
        store.batch(|b| {
            for _ in 0..n {
                serial += 1;
                // Later months have a few more cases than earlier ones (a growing service).
                let u: f64 = rng.r#gen::<f64>().sqrt();
                let opened = start + Duration::days((u * span as f64) as i64);
                let opened = opened.min(options.today);
                one_client(
                    b,
                    &mut rng,
                    country,
                    &staff,
                    opened,
                    options.today,
                    serial,
                    shape,
                    &mut summary,
                )?;
            }
            Ok(())
        })?;
    }
    Ok(summary)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[0].0
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.r#gen::<f64>() < p
}

fn tri(rng: &mut ChaCha8Rng, yes: f64, unknown: f64) -> Tri {
    let x: f64 = rng.r#gen();
    if x < yes {
        Tri::Yes
    } else if x < yes + unknown {
        Tri::Unknown
    } else {
        Tri::No
    }
}

/// A count with the given mean: geometric-like, so most cases are short and a few long.
fn count(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let u: f64 = rng.r#gen::<f64>().max(1e-9);
    (-mean * u.ln()).round() as u32
}

#[derive(Clone, Copy)]
enum Lang {
    Lt,
    Lv,
    Az,
    Ru,
}

fn language_mix(rng: &mut ChaCha8Rng, country: Country) -> Lang {
    match country {
        Country::Lt => *pick(rng, &[(Lang::Lt, 85), (Lang::Ru, 15)]),
        Country::Lv => *pick(rng, &[(Lang::Lv, 62), (Lang::Ru, 38)]),
        Country::Az => *pick(rng, &[(Lang::Az, 90), (Lang::Ru, 10)]),
        Country::Other => *pick(
            rng,
            &[
                (Lang::Lt, 30),
                (Lang::Lv, 30),
                (Lang::Az, 20),
                (Lang::Ru, 20),
            ],
        ),
    }
}

const LT_WOMEN: &[&str] = &[
    "Ona",
    "Jurgita",
    "Rasa",
    "Asta",
    "Lina",
    "Ieva",
    "Rūta",
    "Eglė",
    "Kristina",
    "Vilma",
    "Daiva",
    "Inga",
    "Jūratė",
    "Aušra",
    "Simona",
    "Gintarė",
    "Laura",
    "Žydrūnė",
    "Agnė",
    "Vaida",
];
const LT_MEN: &[&str] = &[
    "Tomas",
    "Mantas",
    "Darius",
    "Andrius",
    "Jonas",
    "Saulius",
    "Vytautas",
    "Paulius",
    "Gediminas",
    "Marius",
];
const LT_FAMILY_F: &[&str] = &[
    "Kazlauskienė",
    "Jankauskaitė",
    "Petrauskienė",
    "Stankevičiūtė",
    "Vasiliauskienė",
    "Žukauskaitė",
    "Butkienė",
    "Paulauskienė",
    "Urbonaitė",
    "Kavaliauskienė",
    "Šimkienė",
    "Navickaitė",
    "Ramanauskienė",
    "Žilinskienė",
    "Balčiūnaitė",
];
const LT_FAMILY_M: &[&str] = &[
    "Kazlauskas",
    "Jankauskas",
    "Petrauskas",
    "Stankevičius",
    "Vasiliauskas",
    "Žukauskas",
    "Butkus",
    "Paulauskas",
    "Urbonas",
    "Kavaliauskas",
];
const LV_WOMEN: &[&str] = &[
    "Anna",
    "Līga",
    "Ilze",
    "Inese",
    "Kristīne",
    "Laura",
    "Dace",
    "Sanita",
    "Ieva",
    "Zane",
    "Agnese",
    "Evija",
    "Baiba",
    "Māra",
    "Ināra",
];
const LV_MEN: &[&str] = &[
    "Jānis", "Andris", "Edgars", "Māris", "Kārlis", "Raivis", "Artūrs", "Guntis",
];
const LV_FAMILY_F: &[&str] = &[
    "Bērziņa",
    "Kalniņa",
    "Ozoliņa",
    "Jansone",
    "Liepiņa",
    "Krūmiņa",
    "Balode",
    "Kļaviņa",
    "Zariņa",
    "Pētersone",
    "Vītola",
    "Eglīte",
];
const LV_FAMILY_M: &[&str] = &[
    "Bērziņš",
    "Kalniņš",
    "Ozoliņš",
    "Jansons",
    "Liepiņš",
    "Krūmiņš",
    "Balodis",
    "Kļaviņš",
];
const AZ_WOMEN: &[&str] = &[
    "Aysel",
    "Günel",
    "Leyla",
    "Nigar",
    "Səbinə",
    "Aynur",
    "Xədicə",
    "Könül",
    "Fidan",
    "Nərmin",
    "Ülviyyə",
    "Şəbnəm",
    "Gülnar",
    "Aytən",
];
const AZ_MEN: &[&str] = &[
    "Elvin", "Rəşad", "Orxan", "Tural", "Kamran", "Vüqar", "Elçin", "Ramil",
];
const AZ_FAMILY_F: &[&str] = &[
    "Məmmədova",
    "Əliyeva",
    "Hüseynova",
    "Həsənova",
    "Quliyeva",
    "İsmayılova",
    "Rzayeva",
    "Kərimova",
    "Abbasova",
    "Süleymanova",
];
const AZ_FAMILY_M: &[&str] = &[
    "Məmmədov",
    "Əliyev",
    "Hüseynov",
    "Həsənov",
    "Quliyev",
    "İsmayılov",
    "Rzayev",
    "Kərimov",
];
const RU_WOMEN: &[&str] = &[
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Юлия",
    "Анна",
    "Марина",
    "Людмила",
    "Екатерина",
    "Алёна",
];
const RU_MEN: &[&str] = &[
    "Алексей",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Николай",
    "Игорь",
    "Владимир",
    "Михаил",
];
const RU_FAMILY_F: &[&str] = &[
    "Иванова",
    "Смирнова",
    "Кузнецова",
    "Попова",
    "Васильева",
    "Петрова",
    "Соколова",
    "Михайлова",
    "Новикова",
    "Фёдорова",
    "Морозова",
    "Волкова",
];
const RU_FAMILY_M: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
];

fn person_name(rng: &mut ChaCha8Rng, lang: Lang, female: bool) -> (String, String) {
    let (given, family) = match (lang, female) {
        (Lang::Lt, true) => (LT_WOMEN, LT_FAMILY_F),
        (Lang::Lt, false) => (LT_MEN, LT_FAMILY_M),
        (Lang::Lv, true) => (LV_WOMEN, LV_FAMILY_F),
        (Lang::Lv, false) => (LV_MEN, LV_FAMILY_M),
        (Lang::Az, true) => (AZ_WOMEN, AZ_FAMILY_F),
        (Lang::Az, false) => (AZ_MEN, AZ_FAMILY_M),
        (Lang::Ru, true) => (RU_WOMEN, RU_FAMILY_F),
        (Lang::Ru, false) => (RU_MEN, RU_FAMILY_M),
    };
    (
        (*given.choose(rng).unwrap_or(&"Demo")).to_owned(),
        (*family.choose(rng).unwrap_or(&"Demo")).to_owned(),
    )
}

fn place(rng: &mut ChaCha8Rng, country: Country, lang: Lang) -> (String, String) {
    let (towns, street, prefix) = match country {
        Country::Lv => (
            &[
                "Liepāja",
                "Rīga",
                "Ventspils",
                "Jelgava",
                "Daugavpils",
                "Valmiera",
            ][..],
            "Parauga iela",
            "+371 2000",
        ),
        Country::Az => (
            &[
                "Bakı",
                "Gəncə",
                "Sumqayıt",
                "Lənkəran",
                "Şəki",
                "Mingəçevir",
            ][..],
            "Nümunə küç.",
            "+994 50 000",
        ),
        _ => (
            &[
                "Klaipėda",
                "Kretinga",
                "Palanga",
                "Šilutė",
                "Gargždai",
                "Skuodas",
            ][..],
            "Pavyzdžio g.",
            "+370 600 0",
        ),
    };
    let town = *towns.choose(rng).unwrap_or(&"Demo");
    let street = match lang {
        Lang::Ru => "Примерная ул.",
        _ => street,
    };
    let address = format!(
        "{street} {}-{}, {town} (demo)",
        rng.gen_range(1..80),
        rng.gen_range(1..60)
    );
    let phone = format!("{prefix}{:04}", rng.gen_range(0..10_000));
    (address, phone)
}

/// Sentences notes are built from, per language: the kind of thing a counsellor writes.
fn sentences(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Lt => &[
            "Klientė atvyko į konsultaciją kartu su dukra, jaučiasi išsigandusi.",
            "Aptartas saugumo planas: kur eiti, kam skambinti, kokius dokumentus pasiimti.",
            "Partneris toliau rašo grasinančias žinutes, klientė jas išsaugojo.",
            "Suteikta informacija apie apsaugos nuo smurto orderį ir jo pažeidimus.",
            "Teisininkas padėjo parengti ieškinį dėl santuokos nutraukimo.",
            "Klientė sutiko kreiptis į vaiko teisių apsaugos tarnybą dėl sūnaus.",
            "Psichologė pastebėjo nerimo ir nemigos požymius, sutarta dėl kitų susitikimų.",
            "Telefonu patvirtinta, kad klientė saugi ir gyvena pas seserį.",
            "Aptartos finansinės galimybės, pateiktas prašymas socialinei pašalpai gauti.",
            "Policijos pranešimas gautas ryte, klientė pasiekta tą pačią dieną.",
        ],
        Lang::Lv => &[
            "Kliente ieradās konsultācijā kopā ar meitu, jūtas nobijusies.",
            "Apspriests drošības plāns: kur doties, kam zvanīt, kādus dokumentus paņemt.",
            "Partneris turpina sūtīt draudīgas īsziņas, kliente tās saglabājusi.",
            "Sniegta informācija par pagaidu aizsardzību pret vardarbību.",
            "Jurists palīdzēja sagatavot prasības pieteikumu laulības šķiršanai.",
            "Kliente piekrita vērsties bāriņtiesā par dēla drošību.",
            "Psihologs novēroja trauksmes un bezmiega pazīmes, norunātas nākamās tikšanās.",
            "Pa tālruni apstiprināts, ka kliente ir drošībā un dzīvo pie māsas.",
            "Pārrunātas finansiālās iespējas, iesniegts pieteikums pabalstam.",
        ],
        Lang::Az => &[
            "Müştəri qızı ilə birlikdə məsləhətə gəlib, qorxduğunu bildirir.",
            "Təhlükəsizlik planı müzakirə olundu: hara getmək, kimə zəng etmək, hansı sənədləri götürmək.",
            "Həyat yoldaşı hədələyici mesajlar göndərməyə davam edir, müştəri onları saxlayıb.",
            "Qısamüddətli mühafizə orderi barədə məlumat verildi.",
            "Hüquqşünas boşanma iddiasının hazırlanmasına kömək etdi.",
            "Müştəri oğlu ilə bağlı qəyyumluq orqanına müraciət etməyə razılaşdı.",
            "Psixoloq narahatlıq və yuxusuzluq əlamətləri müşahidə etdi, növbəti görüşlər razılaşdırıldı.",
            "Telefonla müştərinin təhlükəsiz olduğu və bacısının yanında yaşadığı təsdiqləndi.",
        ],
        Lang::Ru => &[
            "Клиентка пришла на консультацию вместе с дочерью, испытывает страх.",
            "Обсуждён план безопасности: куда идти, кому звонить, какие документы взять.",
            "Партнёр продолжает присылать угрожающие сообщения, клиентка их сохранила.",
            "Предоставлена информация о защитном ордере и о том, что делать при его нарушении.",
            "Юрист помог подготовить иск о расторжении брака.",
            "Клиентка согласилась обратиться в службу защиты прав детей по поводу сына.",
            "Психолог отметила признаки тревоги и бессонницы, договорились о следующих встречах.",
            "По телефону подтверждено, что клиентка в безопасности и живёт у сестры.",
            "Обсуждены финансовые возможности, подано заявление на социальное пособие.",
        ],
    }
}

fn note_text(rng: &mut ChaCha8Rng, lang: Lang) -> String {
    let pool = sentences(lang);
    let n = rng.gen_range(2..=5);
    let mut parts: Vec<&str> = pool.choose_multiple(rng, n).copied().collect();
    parts.shuffle(rng);
    parts.join(" ")
}

fn weighted_forms(rng: &mut ChaCha8Rng) -> Vec<String> {
    let mut forms = Vec::new();
    for (form, p) in [
        ("psychological", 0.85),
        ("physical", 0.58),
        ("economic", 0.22),
        ("threats", 0.15),
        ("stalking", 0.10),
        ("sexual_other", 0.06),
        ("sexual_rape", 0.04),
        ("neglect", 0.02),
    ] {
        if chance(rng, p) {
            forms.push(form.to_owned());
        }
    }
    if forms.is_empty() {
        forms.push("psychological".to_owned());
    }
    forms
}

#[allow(
    clippy::too_many_arguments,
    reason = "one client's generation needs the whole run's state"
)]
fn one_client(
    b: &mut Batch<'_>,
    rng: &mut ChaCha8Rng,
    country: Country,
    staff: &[String],
    opened: NaiveDate,
    today: NaiveDate,
    serial: u32,
    shape: DemoShape,
    summary: &mut DemoSummary,
) -> Result<()> {
    let lang = language_mix(rng, country);
    let sex = *pick(rng, &[("female", 880), ("male", 110), ("unknown", 10)]);
    let female = sex != "male";
    let (given, family) = person_name(rng, lang, female);
    let (address, phone) = place(rng, country, lang);
    let age = 18 + (count(rng, 12.0) + rng.gen_range(0..20)).min(70) as i32;
    let birth_year = (chance(rng, 0.9)).then(|| opened.year() - age);
    let safe_to_call = tri(rng, 0.7, 0.1);
    let client = b.create_client(&ClientFields {
        pseudonym: Some(format!("D-{serial:05}")),
        given_name: Some(given),
        family_name: Some(family),
        phone: chance(rng, 0.92).then_some(phone),
        address: chance(rng, 0.7).then_some(address),
        sex: sex.to_owned(),
        birth_year,
        age_band: birth_year.is_none().then(|| "unknown".to_owned()),
        municipality: None,
        disability: tri(rng, 0.08, 0.2),
        migrant: tri(rng, 0.05, 0.2),
        language: Some(
            match lang {
                Lang::Lt => "lt",
                Lang::Lv => "lv",
                Lang::Az => "az",
                Lang::Ru => "ru",
            }
            .to_owned(),
        ),
        contact_safety: ContactSafety {
            safe_to_call,
            safe_to_text: tri(rng, 0.6, 0.2),
            safe_to_visit: tri(rng, 0.3, 0.3),
            if_someone_else_answers: (safe_to_call != Tri::Yes)
                .then(|| "Say you are calling from the library about a book.".to_owned()),
            notes: None,
        },
    })?;
    summary.clients += 1;

    let source = *pick(
        rng,
        &[
            ("police", 60),
            ("self", 15),
            ("social_services", 10),
            ("health", 5),
            ("ngo", 5),
            ("court", 2),
            ("other", 3),
        ],
    );
    let lead = staff
        .choose(rng)
        .cloned()
        .unwrap_or_else(|| b.ctx.user.clone());
    let team_size = rng.gen_range(0..3);
    let team: Vec<String> = staff
        .choose_multiple(rng, team_size)
        .filter(|s| **s != lead)
        .cloned()
        .collect();
    let police_notified_on =
        (source == "police").then(|| opened - Duration::days(rng.gen_range(0..2)));
    let age_days = (today - opened).num_days();
    let closes = age_days > 90 && chance(rng, 0.72);
    let case = b.open_case(&NewCase {
        client_id: client,
        opened_on: opened,
        fields: CaseFields {
            referral_source: source.to_owned(),
            police_notified_on,
            intake_outcome: pick(
                rng,
                &[("accepted", 92), ("declined", 4), ("unreachable", 4)],
            )
            .to_string(),
            lead_worker: Some(lead.clone()),
            team,
            follow_up_on: (!closes).then(|| today + Duration::days(rng.gen_range(-5..25))),
        },
    })?;
    summary.cases += 1;

    // Consents at intake.
    let services = b.record_consent(
        case,
        &ConsentFields {
            purpose: "services".into(),
            agency_type: None,
            given: true,
            given_by: "self".into(),
            on_date: opened,
            shared_fields: Vec::new(),
        },
    )?;
    let _ = services;
    summary.consents += 1;
    if chance(rng, 0.85) {
        b.record_consent(
            case,
            &ConsentFields {
                purpose: "statistics".into(),
                agency_type: None,
                given: true,
                given_by: "self".into(),
                on_date: opened,
                shared_fields: Vec::new(),
            },
        )?;
        summary.consents += 1;
    }

    // Incidents.
    let relationship = pick(
        rng,
        &[
            ("current_spouse", 33),
            ("current_partner_cohabiting", 17),
            ("current_partner_not_cohabiting", 4),
            ("former_spouse", 10),
            ("former_partner", 10),
            ("parent", 5),
            ("step_parent", 1),
            ("adult_child", 8),
            ("sibling", 3),
            ("in_law", 2),
            ("other_relative", 3),
            ("acquaintance", 2),
            ("stranger", 1),
            ("unknown", 1),
        ],
    )
    .to_string();
    let perpetrator_sex = if female {
        pick(rng, &[("male", 95), ("female", 5)])
    } else {
        pick(rng, &[("female", 60), ("male", 40)])
    };
    let perpetrator = PerpetratorLink {
        sex: perpetrator_sex.to_string(),
        age_band: pick(
            rng,
            &[
                ("25_34", 30),
                ("35_44", 32),
                ("45_54", 20),
                ("18_24", 8),
                ("55_64", 7),
                ("65_plus", 3),
            ],
        )
        .to_string(),
        relationship,
        cohabiting_now: tri(rng, 0.5, 0.1),
        cohabited_before: tri(rng, 0.7, 0.1),
        substance_use: tri(rng, 0.45, 0.2),
        weapon_access: tri(rng, 0.08, 0.3),
    };
    for i in 0..(1 + count(rng, 0.4)).min(4) {
        let ongoing = chance(rng, 0.25);
        let day =
            opened - Duration::days(i64::from(i) * rng.gen_range(10..120) + rng.gen_range(0..3));
        b.record_incident(
            case,
            &IncidentFields {
                occurred_on: (!ongoing).then_some(day),
                description: None,
                police: Default::default(),
                ongoing_since: ongoing.then(|| day - Duration::days(rng.gen_range(30..900))),
                violence_forms: weighted_forms(rng),
                place_type: pick(
                    rng,
                    &[
                        ("home", 78),
                        ("partner_home", 6),
                        ("relative_home", 4),
                        ("public_place", 6),
                        ("online", 3),
                        ("workplace", 1),
                        ("other", 2),
                    ],
                )
                .to_string(),
                reported_to_police: if source == "police" {
                    Tri::Yes
                } else {
                    tri(rng, 0.3, 0.2)
                },
                perpetrators: vec![perpetrator.clone()],
            },
        )?;
        summary.incidents += 1;
    }

    // Children.
    for _ in 0..count(rng, 0.8).min(6) {
        b.add_child(
            case,
            &ChildFields {
                sex: pick(rng, &[("female", 49), ("male", 49), ("unknown", 2)]).to_string(),
                age_band: "0_17".into(),
                lives_with_client: tri(rng, 0.85, 0.05),
                witnessed: tri(rng, 0.7, 0.15),
                directly_harmed: tri(rng, 0.15, 0.2),
                child_protection_referral: tri(rng, 0.35, 0.1),
            },
        )?;
        summary.children += 1;
    }

    // Service contacts, from the first contact on.
    let uncontacted = source == "police" && age_days <= 3 && chance(rng, 0.4);
    let end = if closes {
        opened + Duration::days(age_days.min(rng.gen_range(20..240)))
    } else {
        today
    };
    let active_days = (end - opened).num_days().max(1);
    let contacts = if uncontacted {
        0
    } else {
        count(rng, shape.contacts_per_case).max(1)
    };
    for k in 0..contacts {
        let on_date = if k == 0 {
            opened + Duration::days(rng.gen_range(0..2)).min(Duration::days(active_days))
        } else {
            opened + Duration::days(rng.gen_range(0..=active_days))
        };
        let discipline = *pick(
            rng,
            &[
                ("social_work", 45),
                ("legal", 20),
                ("psychological", 25),
                ("accompaniment", 5),
                ("helpline", 5),
            ],
        );
        b.log_service_contact(
            case,
            &ServiceContactFields {
                on_date: on_date.min(today),
                discipline: discipline.to_owned(),
                mode: pick(
                    rng,
                    &[
                        ("in_person", 50),
                        ("phone", 40),
                        ("online", 7),
                        ("outreach", 3),
                    ],
                )
                .to_string(),
                minutes: *[15, 20, 30, 45, 60, 60, 90, 120].choose(rng).unwrap_or(&30),
                is_group: chance(rng, 0.03),
                staff: staff.choose(rng).cloned(),
            },
        )?;
        summary.service_contacts += 1;
    }

    // Referrals, each with its consent.
    for _ in 0..count(rng, 0.9).min(5) {
        let agency = *pick(
            rng,
            &[
                ("police", 15),
                ("state_legal_aid", 20),
                ("social_services", 20),
                ("child_protection", 12),
                ("health", 8),
                ("mental_health", 8),
                ("shelter", 6),
                ("employment_housing", 6),
                ("other_ngo", 5),
            ],
        );
        let on_date = (opened + Duration::days(rng.gen_range(0..=active_days))).min(today);
        let consent = b.record_consent(
            case,
            &ConsentFields {
                purpose: "referral".into(),
                agency_type: Some(agency.to_owned()),
                given: true,
                given_by: "self".into(),
                on_date,
                shared_fields: vec![
                    "name".into(),
                    "phone".into(),
                    "contact_safety".into(),
                    "violence_forms".into(),
                ],
            },
        )?;
        summary.consents += 1;
        b.record_referral(
            case,
            &ReferralFields {
                on_date,
                agency_type: agency.to_owned(),
                status: pick(
                    rng,
                    &[
                        ("referred", 55),
                        ("already_receiving", 12),
                        ("declined_by_client", 10),
                        ("service_unavailable", 5),
                        ("provided_by_own_agency", 15),
                        ("not_applicable", 3),
                    ],
                )
                .to_string(),
                consent_event_id: Some(consent),
            },
        )?;
        summary.referrals += 1;
    }

    // Protection orders, mostly after police call-outs.
    if chance(rng, if source == "police" { 0.3 } else { 0.05 }) {
        let applied = opened + Duration::days(rng.gen_range(0..5));
        let status = *pick(rng, &[("granted", 70), ("refused", 15), ("applied", 15)]);
        let order_type = protection_order_type(country, rng);
        let granted = status == "granted";
        let starts = granted.then(|| applied + Duration::days(rng.gen_range(0..3)));
        b.add_protection_order(
            case,
            &ProtectionOrderFields {
                issuer: if order_type.contains("police") {
                    "police".into()
                } else {
                    "court".into()
                },
                order_type,
                status: status.into(),
                applied_on: Some(applied),
                decided_on: (status != "applied")
                    .then(|| applied + Duration::days(rng.gen_range(0..10))),
                starts_on: starts,
                ends_on: starts.map(|s| s + Duration::days(15)),
                breaches: if granted { count(rng, 0.2) } else { 0 },
            },
        )?;
        summary.protection_orders += 1;
    }

    // Risk assessments with the built-in checklist, most after police call-outs, and a
    // safety plan for most assessed clients (always at a medium or high band).
    if chance(rng, if source == "police" { 0.7 } else { 0.35 }) {
        let on_date = (opened + Duration::days(rng.gen_range(0..4))).min(today);
        let mut answers = Answers::new();
        for (item, p) in RISK_ITEMS {
            let answer = if chance(rng, 0.08) {
                "dont_know"
            } else if chance(rng, *p) {
                "yes"
            } else {
                "no"
            };
            answers.insert((*item).to_owned(), answer.to_owned());
        }
        let id = b.record_risk_assessment(
            case,
            &RiskAssessmentFields {
                instrument_id: "atrama-spj".into(),
                instrument_version: 2,
                assessed_on: on_date,
                answers,
                override_band: None,
                override_reason: None,
            },
        )?;
        summary.assessments += 1;
        let high = b.tx.query_row(
            "SELECT band <> 'standard' FROM risk_assessment WHERE id = ?1",
            [id],
            |r| r.get::<_, bool>(0),
        )?;
        if high || chance(rng, 0.5) {
            b.save_safety_plan(
                case,
                None,
                &SafetyPlanFields {
                    sections: safety_plan_sections(lang),
                    review_on: (!closes).then(|| today + Duration::days(rng.gen_range(-3..30))),
                },
            )?;
            summary.safety_plans += 1;
        }
    }

    // Notes.
    for _ in 0..count(rng, shape.notes_per_case) {
        let restricted = chance(rng, 0.1).then(|| "psychological".to_owned());
        b.add_note(
            case,
            &NoteFields {
                body: note_text(rng, lang),
                restricted_to: restricted,
            },
        )?;
        summary.notes += 1;
    }

    if closes {
        let reason = *pick(
            rng,
            &[
                ("needs_met", 55),
                ("no_contact", 18),
                ("client_asked", 10),
                ("moved_away", 7),
                ("transferred", 3),
                ("declined_at_intake", 3),
                ("unreachable_at_intake", 3),
                ("duplicate", 1),
            ],
        );
        b.close_case(case, end.min(today), reason)?;
        summary.closed += 1;
    }
    let _: CaseId = case;
    Ok(())
}

/// The built-in checklist's yes/no items and how often the answer is yes.
const RISK_ITEMS: &[(&str, f64)] = &[
    ("strangulation", 0.15),
    ("threats_to_kill", 0.3),
    ("weapons", 0.08),
    ("separation", 0.4),
    ("escalation", 0.35),
    ("pregnancy", 0.05),
    ("stalking", 0.2),
    ("police_callouts", 0.45),
    ("substance_misuse", 0.45),
    ("suicide_threats", 0.1),
    ("sexual_violence", 0.1),
    ("control_jealousy", 0.6),
    ("client_fear", 0.55),
];

/// A safety plan in the client's language, short like a first plan.
fn safety_plan_sections(lang: Lang) -> SafetyPlanSections {
    let (concerns, support, strategies) = match lang {
        Lang::Lt => (
            "Bijo, kad partneris grįš naktį.",
            "Sesuo, pagalbos centras, policija 112.",
            "Sutartas žodis su kaimyne; telefonas visada įkrautas.",
        ),
        Lang::Lv => (
            "Baidās, ka partneris atgriezīsies naktī.",
            "Māsa, palīdzības centrs, policija 112.",
            "Norunāts vārds ar kaimiņieni; tālrunis vienmēr uzlādēts.",
        ),
        Lang::Az => (
            "Həyat yoldaşının gecə qayıdacağından qorxur.",
            "Bacısı, yardım mərkəzi, polis 112.",
            "Qonşu ilə razılaşdırılmış söz; telefon həmişə doldurulub.",
        ),
        Lang::Ru => (
            "Боится, что партнёр вернётся ночью.",
            "Сестра, центр помощи, полиция 112.",
            "Условное слово с соседкой; телефон всегда заряжен.",
        ),
    };
    SafetyPlanSections {
        concerns: concerns.to_owned(),
        support: support.to_owned(),
        strategies: strategies.to_owned(),
        ..SafetyPlanSections::default()
    }
}

fn protection_order_type(country: Country, rng: &mut ChaCha8Rng) -> String {
    let choices: &[(&str, u32)] = match country {
        Country::Lt => &[
            ("lt_police_protection_order", 80),
            ("lt_court_protection_measures", 20),
        ],
        Country::Lv => &[
            ("lv_police_separation", 60),
            ("lv_court_temporary_protection", 40),
        ],
        Country::Az => &[("az_short_term", 70), ("az_long_term", 30)],
        Country::Other => &[("other", 1)],
    };
    (*pick(rng, choices)).to_owned()
}
