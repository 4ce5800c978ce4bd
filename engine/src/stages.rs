//! The seven stages of scaling a web system, as data the engine and the UI share.

use crate::diagnosis::Failure;

/// One of the seven stages, in the order a system grows through them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum StageId {
    /// Everything on one virtual machine.
    OneVm,
    /// The database moves to its own host.
    SplitDb,
    /// Logs, metrics and product analytics.
    Observe,
    /// A load balancer in front of stateless app servers.
    LoadBalance,
    /// A cache in front of the database and a CDN in front of everything.
    CacheCdn,
    /// A queue and workers take slow work off the request path.
    Async,
    /// Read replicas and shards.
    ReplicasShards,
}

/// What every part of the app needs to know about a stage: its names, what it adds, the
/// tools people use for it, and the failure it runs into next. Its parts and sizes are its
/// [`crate::topology::Design`]; its failure's measured scene comes from the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Which stage this is.
    pub id: StageId,
    /// Short name for a stepper or a tab, e.g. "Split DB".
    pub short_name: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// A short story (two to four sentences, at most [`SUMMARY_WORDS`] words: it is the first
    /// thing the page shows) of what this stage adds and why it is the right move at this point.
    pub summary: &'static str,
    /// Open-source or self-hosted tools for what this stage adds.
    pub open_source: &'static [&'static str],
    /// Managed or enterprise services for what this stage adds.
    pub managed: &'static [&'static str],
    /// The failures this stage runs into, the primary one first.
    pub failures: &'static [Failure],
    /// Two to four plain sentences on what breaks and why, and what fixes it. It states no
    /// number: the measured sentence beside it does.
    pub failure_story: &'static str,
    /// Text for the button that moves on to the next stage; `None` for the last.
    pub next_step: Option<&'static str>,
}

impl Stage {
    /// This stage's primary failure.
    pub fn failure(&self) -> Failure {
        self.failures[0]
    }
}

/// The most words a stage's summary has: the page shows it first, beside the diagram, and a
/// learner should take it in at a glance.
pub const SUMMARY_WORDS: usize = 60;

/// The seven stages in order.
pub const STAGES: [Stage; 7] = [
    Stage {
        id: StageId::OneVm,
        short_name: "1 VM",
        title: "Everything on one machine",
        summary: "The web server, the app, the database and the cron jobs all run together \
                  on a single small virtual machine. With no traffic yet, this is the \
                  quickest way to get something live, and the whole system fits in your \
                  head. It costs a few dollars a month, and for a new product its limits \
                  are still far away.",
        open_source: &[
            "Ubuntu",
            "Nginx",
            "Postgres",
            "pm2",
            "systemd",
            "Hetzner",
            "DigitalOcean",
        ],
        managed: &[
            "AWS Lightsail",
            "GCP Compute Engine",
            "Azure VM",
            "Render",
            "Railway",
        ],
        failures: &[Failure::OomCascade],
        failure_story: "A query that scans a large table makes Postgres take all the \
                              memory the machine has, and the kernel starts killing \
                              processes to survive. The web server, the app and the cron \
                              jobs share that memory, so they die along with the database, \
                              and every user gets an error until it all restarts. The next \
                              stage gives the database a machine of its own.",
        next_step: Some("Move the database to its own host"),
    },
    Stage {
        id: StageId::SplitDb,
        short_name: "Split DB",
        title: "The database gets its own host",
        summary: "Postgres moves off the app's machine onto a host with memory and disk \
                  reserved for it. The two stop fighting over RAM: the app can fall over \
                  without touching your data, and you size each machine for its own job. \
                  With a managed service, backups and point-in-time recovery stop being \
                  your chore. Reach the database only over a private network.",
        open_source: &["Postgres", "MySQL", "Litestream", "pgBackRest"],
        managed: &[
            "AWS RDS",
            "Google Cloud SQL",
            "Neon",
            "Supabase",
            "PlanetScale",
            "Aiven",
        ],
        failures: &[Failure::BlindSlowdown],
        failure_story: "Users report that pages feel slow, and you have nothing to \
                              check their complaint against. There are no logs, no latency \
                              percentiles and no error counts, so the best you can do is \
                              open a shell on the server and stare at top. The next stage \
                              adds logs, metrics and analytics so you can see where the \
                              time goes.",
        next_step: Some("Add logs, metrics and analytics"),
    },
    Stage {
        id: StageId::Observe,
        short_name: "Observe",
        title: "Logs, metrics and analytics",
        summary: "You now run two machines and can see inside neither, so you add three \
                  kinds of signal. Structured logs say which request failed and why; \
                  metrics track CPU, p95 latency and error rate over time; product \
                  analytics follow people through sign-up. Alert only on numbers users \
                  would notice, so a page at night is always worth waking up for.",
        open_source: &[
            "OpenTelemetry SDK",
            "Prometheus",
            "Grafana",
            "Loki",
            "Alertmanager",
            "PostHog (self-hosted)",
        ],
        managed: &[
            "Datadog",
            "New Relic",
            "Honeycomb",
            "Sentry",
            "Better Stack",
            "PostHog Cloud",
            "Amplitude",
            "Mixpanel",
            "Heap",
        ],
        failures: &[Failure::AppSaturated],
        failure_story: "Now the graphs show the problem: the app server's CPU is flat out, \
                        requests pile up in its queue, and the slowest give up with a \
                        timeout. The database on its own host has little to do. Every deploy \
                        restarts that single server, so users also see an outage each time \
                        you ship. The next stage puts a load balancer in front of several app \
                        servers.",
        next_step: Some("Add a load balancer"),
    },
    Stage {
        id: StageId::LoadBalance,
        short_name: "Load Balance",
        title: "A load balancer and stateless app servers",
        summary: "A load balancer hands each request to one of several app servers. \
                  Sessions move out of server memory into a cookie or a shared store, so \
                  any server can answer any request. Deploys become rolling restarts users \
                  never notice, and health checks route around a crashed server. The app \
                  tier grows by adding machines, all talking to one database.",
        open_source: &["HAProxy", "Caddy", "Nginx", "Traefik", "Keepalived"],
        managed: &[
            "AWS ALB",
            "Cloudflare Load Balancer",
            "Google Cloud Load Balancing",
            "Vercel",
            "Railway",
            "Fly",
            "Render",
        ],
        failures: &[Failure::DbConnectionsExhausted, Failure::DatabaseCpu],
        failure_story: "Every app server fetches the same popular rows, such as one busy \
                        user's profile, on every request, even though they have not changed \
                        since the last read. Postgres's CPU works through the same hot reads \
                        again and again, each query holds its connection longer, and soon \
                        every connection is busy: new requests wait for one and time out. \
                        More connections would not help, since each costs the database \
                        memory and the CPU is already full. The next stage adds a cache for \
                        hot reads and a CDN for static files.",
        next_step: Some("Add a cache and a CDN"),
    },
    Stage {
        id: StageId::CacheCdn,
        short_name: "Cache + CDN",
        title: "A cache for hot reads, a CDN for static files",
        summary: "A CDN keeps copies of your scripts, styles and images at edges near \
                  your users, so those requests never reach your servers. A cache such as \
                  Redis answers hot reads, sessions and rate-limit counters from memory, so \
                  most reads never reach Postgres. The hard question is when a cached value \
                  stops being true, and here a write clears its key.",
        open_source: &["Redis", "Valkey", "Varnish", "KeyDB"],
        managed: &[
            "Cloudflare",
            "Fastly",
            "AWS CloudFront",
            "Bunny CDN",
            "Vercel",
            "Netlify",
            "Upstash Redis",
            "AWS ElastiCache",
            "Redis Cloud",
            "Momento",
        ],
        failures: &[Failure::UpstreamBlocking],
        failure_story: "Checkout calls a payment API inside the request, and that API's \
                        slowest calls take seconds. One by one, the app threads end up \
                        waiting on it, so even simple pages queue behind them and time out. \
                        The database and the cache look healthy the whole time, which makes \
                        this failure confusing at first. The next stage moves calls like \
                        this onto a queue that background workers drain.",
        next_step: Some("Move slow work to a queue"),
    },
    Stage {
        id: StageId::Async,
        short_name: "Async",
        title: "A queue and workers for slow work",
        summary: "Work the user need not wait for, like email, PDFs, payment calls or \
                  uploads, goes onto a durable queue. Separate workers take jobs from it, \
                  retry failures with growing delays, and set aside jobs that keep failing \
                  in a dead-letter queue. A request only adds the job and returns: a slow \
                  provider delays the work, not the site.",
        open_source: &[
            "BullMQ",
            "Sidekiq",
            "Celery",
            "RabbitMQ",
            "NATS JetStream",
            "Redis Streams",
        ],
        managed: &[
            "AWS SQS + Lambda",
            "Google Pub/Sub",
            "Vercel Queues",
            "Inngest",
            "Trigger.dev",
            "Temporal Cloud",
        ],
        failures: &[Failure::PrimarySaturated],
        failure_story: "All the data work lands on a single Postgres primary: the \
                              app's writes, dashboard queries, nightly BI exports and an \
                              analyst's ad-hoc SQL. The big scans keep the disk busy and \
                              hold locks that writes must wait behind, so checkouts and \
                              sign-ups slow down while the app servers have room to spare. \
                              A bigger machine only buys a little time, so the next stage \
                              adds read replicas for reads and shards for writes.",
        next_step: Some("Add replicas and shards"),
    },
    Stage {
        id: StageId::ReplicasShards,
        short_name: "Replicas + Shard",
        title: "Read replicas and sharded primaries",
        summary: "Read replicas keep copies of the primary and take the read-heavy \
                  traffic: dashboards, search and reports. When writes outgrow one machine, \
                  a shard router splits the data by tenant or user id, and each shard's \
                  primary owns only its slice. Queries and transactions that cross shards \
                  get much harder, and the partition key is the choice hardest to undo.",
        open_source: &[
            "Postgres streaming replication",
            "Citus",
            "Vitess",
            "PgBouncer",
        ],
        managed: &[
            "AWS Aurora",
            "Google Cloud Spanner",
            "CockroachDB Cloud",
            "PlanetScale",
            "Neon",
            "Yugabyte",
            "MongoDB Atlas",
        ],
        failures: &[Failure::StaleReads, Failure::CrossShardPartialCommit],
        failure_story: "A replica applies the primary's changes a little late, by tens of \
                              milliseconds and more under heavy writes, so someone who just \
                              changed their balance can read the old value back. \
                              A transfer between users on two shards needs a two-phase \
                              commit, and if one side fails the debit can stick while the \
                              credit does not. From here you would send a user's reads to \
                              the primary just after they write (read-your-writes), model \
                              multi-shard work as a saga with undo steps, or pick a \
                              partition key that keeps related rows on one shard.",
        next_step: None,
    },
];

impl StageId {
    /// The stage's position, 1 to 7.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The stage numbered `n` (1 to 7), if there is one.
    pub fn from_number(n: u8) -> Option<Self> {
        STAGES.get(usize::from(n).checked_sub(1)?).map(|s| s.id)
    }

    /// This stage's data.
    pub fn stage(self) -> &'static Stage {
        &STAGES[self as usize]
    }

    /// The stage after this one, if any.
    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    /// The stage before this one, if any.
    pub fn previous(self) -> Option<Self> {
        Self::from_number(self.number().checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_listed_in_order_and_numbered_from_one() {
        for (i, stage) in STAGES.iter().enumerate() {
            assert_eq!(usize::from(stage.id.number()), i + 1);
            assert_eq!(StageId::from_number(stage.id.number()), Some(stage.id));
            assert_eq!(stage.id.stage(), stage);
        }
        assert_eq!(StageId::from_number(0), None);
        assert_eq!(StageId::from_number(8), None);
    }

    #[test]
    fn every_stage_failure_is_its_own_and_the_next_stage_adds_its_fix() {
        for stage in &STAGES {
            for f in stage.failures {
                assert_eq!(f.stage(), Some(stage.id), "{f:?}");
            }
            if let Some(fix) = stage.failure().fixed_by() {
                assert_eq!(Some(fix), stage.id.next(), "{:?}", stage.id);
            }
        }
    }

    #[test]
    fn next_and_previous_walk_the_list() {
        assert_eq!(StageId::OneVm.previous(), None);
        assert_eq!(StageId::OneVm.next(), Some(StageId::SplitDb));
        assert_eq!(StageId::ReplicasShards.next(), None);
        assert_eq!(StageId::ReplicasShards.previous(), Some(StageId::Async));
    }

    #[test]
    fn short_names_are_the_ones_the_course_uses() {
        let names: Vec<_> = STAGES.iter().map(|s| s.short_name).collect();
        assert_eq!(
            names,
            [
                "1 VM",
                "Split DB",
                "Observe",
                "Load Balance",
                "Cache + CDN",
                "Async",
                "Replicas + Shard"
            ]
        );
    }

    /// Every piece of text a stage carries, for checks that apply to all of it.
    fn texts(stage: &Stage) -> Vec<&'static str> {
        let mut all = vec![
            stage.short_name,
            stage.title,
            stage.summary,
            stage.failure_story,
        ];
        all.extend(stage.open_source);
        all.extend(stage.managed);

        all.extend(stage.next_step);
        all
    }

    #[test]
    fn every_stage_has_its_story_tools_and_failure() {
        for stage in &STAGES {
            let n = stage.id.number();
            assert!(!stage.summary.trim().is_empty(), "stage {n} summary");
            let words = stage.summary.split_whitespace().count();
            assert!(words <= SUMMARY_WORDS, "stage {n} summary: {words} words");
            assert!(!stage.open_source.is_empty(), "stage {n} open source");
            assert!(!stage.managed.is_empty(), "stage {n} managed");
            assert!(!stage.failures.is_empty(), "stage {n} failures");
            assert!(!stage.failure_story.trim().is_empty(), "stage {n}");
            for text in texts(stage) {
                assert!(!text.trim().is_empty(), "stage {n} has an empty text");
                assert!(!text.contains("TODO"), "stage {n}: {text}");
                assert!(!text.contains('!'), "stage {n}: {text}");
                assert!(!text.contains("  "), "stage {n} doubled space: {text}");
            }
        }
    }

    #[test]
    fn failures_are_the_seven_primaries_in_order() {
        let codes: Vec<_> = STAGES.iter().map(|s| s.failure().code()).collect();
        assert_eq!(
            codes,
            [
                "oom_cascade",
                "blind_slowdown",
                "app_saturated",
                "db_connections_exhausted",
                "upstream_blocking",
                "primary_saturated",
                "stale_reads",
            ]
        );
        assert_eq!(
            StageId::LoadBalance.stage().failures,
            [Failure::DbConnectionsExhausted, Failure::DatabaseCpu]
        );
    }

    #[test]
    fn stories_state_no_numbers() {
        // Numbers come from the engine's reading, or are generated from the constants that
        // hold them; a story typed with a number would go stale when they change.
        for stage in &STAGES {
            for text in [stage.summary, stage.failure_story] {
                // A digit that starts a number (not the 95 of "p95").
                let chars: Vec<char> = text.chars().collect();
                let number = (0..chars.len()).any(|i| {
                    chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric())
                });
                assert!(!number, "stage {}: {text}", stage.id.number());
            }
        }
    }

    #[test]
    fn only_the_last_stage_has_no_next_step() {
        for stage in &STAGES {
            assert_eq!(stage.next_step.is_none(), stage.id.next().is_none());
        }
        let last = StageId::ReplicasShards.stage();
        assert!(!last.failure_story.contains("next stage"));
        for stage in &STAGES[..6] {
            assert!(stage.failure_story.contains("next stage"));
        }
    }
}
