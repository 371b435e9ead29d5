//! Plots drawn from fixture CSVs: every chart kind in SVG and PNG, inputs
//! missing or malformed, and the options that pick columns.
//!
//! Set `CANARYSIM_PLOT_PREVIEW=1` to also write the fixtures and all plots
//! into `/tmp/plots_preview` for looking at them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use canarysim::plot::{plot_dir, PlotError, PlotFormat, PlotKind, PlotOptions};

/// The summary.csv / sweep.csv columns the plots are written against: the
/// report's own list (quantiles of detection over all faulty runs, a miss =
/// never, plus the conditional `*_detected_s` ones, and the fault's excess
/// bad requests).
use canarysim::report::SUMMARY_COLUMNS;

const STRATEGIES: [&str; 3] = ["all_at_once", "canary", "linear"];
const REPS: usize = 200;
const PERIOD_S: f64 = 60.0;
const PERIODS: usize = 30;

/// A small deterministic generator (64-bit LCG, Knuth's MMIX constants) so
/// the fixtures look noisy but never change.
struct Lcg(u64);

impl Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal (sum of uniforms).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let s: f64 = (0..6).map(|_| self.next_f64()).sum::<f64>() - 3.0;
        mean + sd * s / 0.707
    }
}

/// When replication 0 of each strategy detects the fault, in seconds.
fn detection_s(strategy: &str) -> f64 {
    match strategy {
        "all_at_once" => 240.0,
        "canary" => 300.0,
        _ => 360.0,
    }
}

fn runs_csv() -> String {
    let mut rng = Lcg(7);
    let mut s = String::from(
        "strategy,replication,seed,candidate_faulty,outcome,trigger,detection_s,rollback_s,\
         deploy_s,candidate_requests,bad_requests,excess_bad_requests,bad_requests_during_deploy,\
         bad_requests_after_deploy,errors_total,requests_total\n",
    );
    for (k, strategy) in STRATEGIES.iter().enumerate() {
        for rep in 0..REPS {
            let u = rng.next_f64();
            // The canary misses the fault now and then; the others never.
            let missed = *strategy == "canary" && u < 0.06;
            let (outcome, trigger, det, bad) = if missed {
                ("completed", "", None, rng.normal(9000.0, 600.0))
            } else {
                let base = detection_s(strategy);
                let det = base + 60.0 * (rng.next_f64() * 3.0).floor();
                let bad = match *strategy {
                    "all_at_once" => rng.normal(1800.0 + (det - base) * 6.0, 90.0),
                    "canary" => rng.normal(60.0 + (det - base) * 0.3, 12.0),
                    _ => rng.normal(700.0 + (det - base) * 3.0, 70.0),
                };
                ("rolled_back", "error_rate", Some(det), bad)
            };
            let bad = bad.max(0.0).round();
            let det_text = det.map_or(String::new(), |d| d.to_string());
            let rollback = det.map_or(String::new(), |d| (d + 5.0).to_string());
            let deploy = det.map_or(1500.0, |d| d + 5.0);
            let cand = (bad * 5.0).round();
            let excess = (bad * 0.9).round();
            let during = (bad * 0.7).round();
            writeln!(
                s,
                "{strategy},{rep},{},true,{outcome},{trigger},{det_text},{rollback},{deploy},\
                 {cand},{bad},{excess},{during},{},{},{}",
                1000 + k * REPS + rep,
                bad - during,
                bad + 40.0,
                90000
            )
            .unwrap();
        }
    }
    s
}

/// Candidate weight (%) of each strategy at time t (s), before rollback.
fn weight(strategy: &str, t: f64) -> f64 {
    match strategy {
        "all_at_once" => 100.0,
        "canary" => {
            if t < 600.0 {
                10.0
            } else {
                100.0
            }
        }
        // Pre-traffic hook until 60 s, then +10 % per minute.
        _ => {
            if t < 60.0 {
                0.0
            } else {
                (10.0 * (((t - 60.0) / 60.0).floor() + 1.0)).min(100.0)
            }
        }
    }
}

fn timeline_and_events(two_alarms: bool) -> (String, String) {
    let mut rng = Lcg(11);
    let mut tl = String::from(
        "strategy,period_start_s,candidate_weight_pct,stable_requests,stable_errors,\
         candidate_requests,candidate_errors,error_rate_value,error_rate_state",
    );
    if two_alarms {
        tl.push_str(",function_errors_value,function_errors_state");
    }
    tl.push('\n');
    let mut ev = String::from("strategy,time_s,event,detail\n");
    for strategy in STRATEGIES {
        let det = detection_s(strategy);
        let back = det + 5.0;
        // Events.
        let mut last_w = -1.0;
        if strategy == "linear" {
            writeln!(ev, "{strategy},0,pre_traffic_hook_start,").unwrap();
            writeln!(ev, "{strategy},60,pre_traffic_hook_passed,").unwrap();
        }
        let mut t = 0.0;
        while t < det {
            let w = weight(strategy, t);
            if w != last_w && (w > 0.0 || last_w >= 0.0) {
                writeln!(ev, "{strategy},{t},weight,{w}").unwrap();
            }
            last_w = w;
            t += 60.0;
        }
        if strategy == "all_at_once" {
            writeln!(ev, "{strategy},0,post_traffic_hook_start,").unwrap();
        }
        writeln!(ev, "{strategy},60,alarm_state,error_rate=OK").unwrap();
        writeln!(ev, "{strategy},{det},alarm_state,error_rate=ALARM").unwrap();
        writeln!(ev, "{strategy},{det},detected,error_rate").unwrap();
        writeln!(ev, "{strategy},{det},rollback_start,error_rate").unwrap();
        writeln!(ev, "{strategy},{back},weight,0").unwrap();
        writeln!(ev, "{strategy},{back},rollback_complete,").unwrap();
        writeln!(ev, "{strategy},{},alarm_state,error_rate=OK", det + 240.0).unwrap();

        // Per-period rows.
        for p in 0..PERIODS {
            let start = p as f64 * PERIOD_S;
            let end = start + PERIOD_S;
            let w = if end <= det {
                weight(strategy, start)
            } else if start < back {
                weight(strategy, start.min(det - 1.0))
            } else {
                0.0
            };
            let total = rng.normal(3000.0, 50.0).round();
            let cand = (total * w / 100.0).round();
            let stable = total - cand;
            let fault = if start >= 120.0 { 0.2 } else { 0.001 };
            let ce = (cand * rng.normal(fault, fault * 0.1).max(0.0)).round();
            let se = (stable * rng.normal(0.001, 0.0005).max(0.0)).round();
            let value = if cand > 0.0 {
                (ce / cand * 100.0).to_string()
            } else {
                String::new()
            };
            let state = if p == 0 {
                "INSUFFICIENT_DATA"
            } else if start >= det && start < det + 240.0 {
                "ALARM"
            } else {
                "OK"
            };
            write!(
                tl,
                "{strategy},{start},{w},{stable},{se},{cand},{ce},{value},{state}"
            )
            .unwrap();
            if two_alarms {
                let f = (ce + se) / total * 100.0;
                let fs = if p == 0 {
                    "INSUFFICIENT_DATA"
                } else if f >= 5.0 {
                    "ALARM"
                } else {
                    "OK"
                };
                write!(tl, ",{f},{fs}").unwrap();
            }
            tl.push('\n');
        }
    }
    (tl, ev)
}

/// One summary.csv row in the order of the report's SUMMARY_COLUMNS.
fn summary_row(
    strategy: &str,
    faulty: bool,
    rollback: f64,
    detection_mean: Option<f64>,
    bad_mean: f64,
) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let half = 1.96 * (rollback * (1.0 - rollback) / REPS as f64).sqrt() + 0.005;
    let (lo, hi) = ((rollback - half).max(0.0), (rollback + half).min(1.0));
    let false_rb = if faulty {
        [None, None, None]
    } else {
        [Some(rollback), Some(lo), Some(hi)]
    };
    let missed = if faulty {
        [Some(1.0 - rollback), Some(1.0 - hi), Some(1.0 - lo)]
    } else {
        [None, None, None]
    };
    // Quantiles over all runs: "never" (empty) once they fall among the
    // runs that never detect (missed faults, or healthy runs that are not
    // rolled back).
    let never_share = 1.0 - rollback;
    let p50 = detection_mean.filter(|_| never_share < 0.5);
    let p95 = detection_mean
        .filter(|_| never_share < 0.05)
        .map(|d| d + 90.0);
    let excess = if faulty { bad_mean * 0.9 } else { 0.0 };
    // By name, then put in the report's column order.
    let cells: [(&str, String); 30] = [
        ("strategy", strategy.to_owned()),
        ("reps", REPS.to_string()),
        ("candidate_faulty", faulty.to_string()),
        ("rollback_rate", rollback.to_string()),
        ("rollback_rate_lo", lo.to_string()),
        ("rollback_rate_hi", hi.to_string()),
        ("false_rollback_rate", opt(false_rb[0])),
        ("false_rollback_rate_lo", opt(false_rb[1])),
        ("false_rollback_rate_hi", opt(false_rb[2])),
        ("missed_rate", opt(missed[0])),
        ("missed_rate_lo", opt(missed[1])),
        ("missed_rate_hi", opt(missed[2])),
        ("detection_p50_s", opt(p50)),
        ("detection_p95_s", opt(p95)),
        ("detection_mean_detected_s", opt(detection_mean)),
        (
            "detection_p50_detected_s",
            opt(detection_mean.map(|d| d - 10.0)),
        ),
        (
            "detection_p95_detected_s",
            opt(detection_mean.map(|d| d + 90.0)),
        ),
        ("bad_requests_mean", bad_mean.to_string()),
        ("bad_requests_mean_lo", (bad_mean * 0.95).to_string()),
        ("bad_requests_mean_hi", (bad_mean * 1.05).to_string()),
        ("bad_requests_p95", (bad_mean * 1.3).to_string()),
        ("excess_bad_requests_mean", excess.to_string()),
        ("excess_bad_requests_mean_lo", (excess * 0.95).to_string()),
        ("excess_bad_requests_mean_hi", (excess * 1.05).to_string()),
        ("excess_bad_requests_p95", (excess * 1.3).to_string()),
        (
            "bad_requests_during_deploy_mean",
            (bad_mean * 0.7).to_string(),
        ),
        (
            "bad_requests_after_deploy_mean",
            (bad_mean * 0.3).to_string(),
        ),
        ("deploy_mean_s", "600".into()),
        ("deploy_p50_s", "600".into()),
        ("candidate_requests_mean", "5000".into()),
    ];
    assert_eq!(cells.len(), SUMMARY_COLUMNS.len());
    SUMMARY_COLUMNS
        .iter()
        .map(|c| {
            let (_, v) = cells
                .iter()
                .find(|(n, _)| n == c)
                .unwrap_or_else(|| panic!("fixture has no value for summary column `{c}`"));
            v.as_str()
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn summary_csv() -> String {
    let mut s = SUMMARY_COLUMNS.join(",") + "\n";
    for (strategy, rb, det, bad) in [
        ("all_at_once", 1.0, 300.0, 1900.0),
        ("canary", 0.94, 360.0, 700.0),
        ("linear", 1.0, 420.0, 800.0),
    ] {
        s += &summary_row(strategy, true, rb, Some(det), bad);
        s.push('\n');
    }
    s
}

/// A sweep over threshold 1, 5 × evaluation periods 1, 2. `variant`
/// selects the candidate: healthy (false rollbacks), faulty (detection),
/// or both with an extra swept `faults` column.
fn sweep_csv(variant: &str) -> String {
    let both = variant == "both";
    let mut s = String::new();
    if both {
        s.push_str("faults,");
    }
    s.push_str("alarms.error_rate.threshold,alarms.error_rate.evaluation_periods,");
    s.push_str(&SUMMARY_COLUMNS.join(","));
    s.push('\n');
    let candidates: &[bool] = match variant {
        "healthy" => &[false],
        "faulty" => &[true],
        _ => &[false, true],
    };
    for &faulty in candidates {
        for threshold in [1.0, 5.0] {
            for periods in [1.0, 2.0] {
                for (k, strategy) in STRATEGIES.iter().enumerate() {
                    let k = k as f64;
                    let (rollback, detection, bad) = if faulty {
                        let det = 120.0 + 60.0 * periods + 20.0 * threshold + 60.0 * k;
                        // linear at threshold 5 over 2 periods misses 94 % of
                        // faulty candidates: its p50 is "never".
                        let rollback =
                            if *strategy == "linear" && threshold == 5.0 && periods == 2.0 {
                                0.06
                            } else {
                                1.0 - 0.02 * threshold * k
                            };
                        (
                            rollback,
                            Some(det),
                            150.0 * (3.0 - k) + det + 3000.0 * (1.0 - rollback),
                        )
                    } else {
                        let rb =
                            (0.5 / (threshold * threshold * periods) * (1.0 + 0.3 * k)).min(1.0);
                        (
                            rb,
                            Some(200.0 + 100.0 * periods + 30.0 * k),
                            20.0 * rb + 1.0,
                        )
                    };
                    if both {
                        s.push_str(if faulty { "step_error," } else { "none," });
                    }
                    write!(s, "{threshold},{periods},").unwrap();
                    s += &summary_row(strategy, faulty, rollback, detection, bad);
                    s.push('\n');
                }
            }
        }
    }
    s
}

/// Writes every fixture into `dir`.
fn write_fixtures(dir: &Path) {
    let (tl, ev) = timeline_and_events(false);
    fs::write(dir.join("runs.csv"), runs_csv()).unwrap();
    fs::write(dir.join("summary.csv"), summary_csv()).unwrap();
    fs::write(dir.join("timeline.csv"), tl).unwrap();
    fs::write(dir.join("events.csv"), ev).unwrap();
    fs::write(dir.join("sweep.csv"), sweep_csv("healthy")).unwrap();
    fs::write(
        dir.join("alarms.csv"),
        "name,threshold,comparison,unit\nerror_rate,5,>=,%\n",
    )
    .unwrap();
}

fn opts(format: PlotFormat, kinds: &[PlotKind]) -> PlotOptions {
    PlotOptions {
        format,
        kinds: kinds.to_vec(),
        ..PlotOptions::default()
    }
}

/// Checks that `path` is a plausible, non-trivial SVG or PNG.
fn assert_valid(path: &Path, format: PlotFormat) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match format {
        PlotFormat::Svg => {
            let text = String::from_utf8(bytes).expect("SVG is UTF-8");
            assert!(
                text.starts_with("<svg") || text.starts_with("<?xml"),
                "{}: does not start like an SVG",
                path.display()
            );
            assert!(text.contains("</svg>"), "{}: unterminated", path.display());
            assert!(
                text.len() > 5_000,
                "{}: only {} bytes",
                path.display(),
                text.len()
            );
            assert!(text.contains("<text"), "{}: no text", path.display());
        }
        PlotFormat::Png => {
            assert!(
                bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{}: no PNG signature",
                path.display()
            );
            assert!(
                bytes.len() > 10_000,
                "{}: only {} bytes",
                path.display(),
                bytes.len()
            );
        }
    }
}

/// Whether the SVG has a text element reading exactly `text` (plotters
/// writes the content on a line of its own).
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n<")) || svg.contains(&format!(">{text}<"))
}

fn hidden_files(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        // The output set's manifest is not a temporary.
        .filter(|p| !p.ends_with(canarysim::report::atomic::MANIFEST))
        .collect()
}

#[test]
fn every_kind_in_both_formats() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixtures(tmp.path());
    for format in [PlotFormat::Svg, PlotFormat::Png] {
        for kind in PlotKind::ALL {
            let written = plot_dir(tmp.path(), &opts(format, &[kind])).unwrap();
            let expected = tmp
                .path()
                .join(format!("{}.{}", kind.name(), format.extension()));
            assert_eq!(written, vec![expected.clone()]);
            assert_valid(&expected, format);
        }
    }
    assert!(
        hidden_files(tmp.path()).is_empty(),
        "temporaries left behind"
    );
}

#[test]
fn empty_kinds_draw_everything_applicable() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixtures(tmp.path());
    let written = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[])).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "timeline.svg",
            "detection_cdf.svg",
            "exposure.svg",
            "tradeoff.svg",
            "sweep.svg"
        ]
    );

    // A run directory without a sweep gets the run plots only.
    fs::remove_file(tmp.path().join("sweep.csv")).unwrap();
    let written = plot_dir(tmp.path(), &opts(PlotFormat::Png, &[])).unwrap();
    assert_eq!(written.len(), 3);
    for p in &written {
        assert_valid(p, PlotFormat::Png);
    }
}

#[test]
fn missing_input_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("runs.csv"), runs_csv()).unwrap();
    for (kind, file) in [
        (PlotKind::Timeline, "timeline.csv"),
        (PlotKind::Sweep, "sweep.csv"),
        (PlotKind::Tradeoff, "sweep.csv"),
    ] {
        let err = plot_dir(
            tmp.path(),
            &opts(PlotFormat::Svg, &[PlotKind::Exposure, kind]),
        )
        .unwrap_err();
        assert!(matches!(err, PlotError::MissingInput { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(file) && msg.contains(kind.name()), "{msg}");
    }
    // Nothing was written: the error comes before any plot.
    assert!(!tmp.path().join("exposure.svg").exists());

    let empty = tempfile::tempdir().unwrap();
    let err = plot_dir(empty.path(), &PlotOptions::default()).unwrap_err();
    assert!(matches!(err, PlotError::NothingToPlot { .. }), "{err:?}");
}

#[test]
fn bad_cell_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = runs_csv();
    runs.push_str("canary,999,1,true,exploded,,,,1,1,1,1,1,0,1,1\n");
    fs::write(tmp.path().join("runs.csv"), runs).unwrap();
    let err = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Exposure])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("runs.csv line 602, column `outcome`") && msg.contains("`exploded`"),
        "{msg}"
    );
    assert!(hidden_files(tmp.path()).is_empty());
}

#[test]
fn unknown_columns_in_options_are_errors_listing_the_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("healthy")).unwrap();
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Sweep]);
    o.sweep_metric = Some("detection_p99_s".into());
    let msg = plot_dir(tmp.path(), &o).unwrap_err().to_string();
    assert!(
        msg.contains("sweep_metric `detection_p99_s`") && msg.contains("detection_p95_s"),
        "{msg}"
    );
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Sweep]);
    o.sweep_x = Some("threshold".into());
    let msg = plot_dir(tmp.path(), &o).unwrap_err().to_string();
    assert!(msg.contains("alarms.error_rate.threshold"), "{msg}");
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Tradeoff]);
    o.tradeoff_y = Some("nope".into());
    assert!(plot_dir(tmp.path(), &o).is_err());
}

#[test]
fn sweep_and_tradeoff_options_choose_columns() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("healthy")).unwrap();
    let o = PlotOptions {
        format: PlotFormat::Svg,
        kinds: vec![PlotKind::Sweep, PlotKind::Tradeoff],
        sweep_metric: Some("false_rollback_rate".into()),
        sweep_x: Some("alarms.error_rate.evaluation_periods".into()),
        tradeoff_y: Some("bad_requests_mean".into()),
        ..PlotOptions::default()
    };
    for p in plot_dir(tmp.path(), &o).unwrap() {
        assert_valid(&p, PlotFormat::Svg);
    }
    let sweep = fs::read_to_string(tmp.path().join("sweep.svg")).unwrap();
    assert!(sweep.contains("False rollback rate vs periods"), "title");
    let tradeoff = fs::read_to_string(tmp.path().join("tradeoff.svg")).unwrap();
    assert!(tradeoff.contains("mean bad requests per replication"));
    assert!(tradeoff.contains("threshold=5, periods=2"), "point labels");
}

#[test]
fn tradeoff_falls_back_to_rollback_rate_without_healthy_rows() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("faulty")).unwrap();
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Tradeoff])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(
        svg.contains("rollback rate vs mean excess bad requests"),
        "title"
    );
    assert!(svg.contains("fallback"), "the title says x falls back");
}

#[test]
fn tradeoff_pairs_healthy_and_faulty_variants() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("both")).unwrap();
    let o = opts(PlotFormat::Png, &[PlotKind::Tradeoff, PlotKind::Sweep]);
    for p in plot_dir(tmp.path(), &o).unwrap() {
        assert_valid(&p, PlotFormat::Png);
    }
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Tradeoff])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(svg.contains("(healthy candidate)") && svg.contains("(faulty candidate)"));
    // The variant column is not part of the point labels.
    assert!(svg.contains("threshold=1, periods=1") && !svg.contains("faults="));
}

#[test]
fn timeline_with_two_alarms_and_without_events() {
    let tmp = tempfile::tempdir().unwrap();
    let (tl, _) = timeline_and_events(true);
    fs::write(tmp.path().join("timeline.csv"), tl).unwrap();
    for format in [PlotFormat::Svg, PlotFormat::Png] {
        let p = plot_dir(tmp.path(), &opts(format, &[])).unwrap();
        assert_eq!(p.len(), 1);
        assert_valid(&p[0], format);
    }
    let svg = fs::read_to_string(tmp.path().join("timeline.svg")).unwrap();
    assert!(svg.contains("function_errors"), "second alarm drawn");
}

/// Writes fixtures and all plots to /tmp/plots_preview when
/// CANARYSIM_PLOT_PREVIEW is set (for looking at the charts).
#[test]
fn preview() {
    if std::env::var_os("CANARYSIM_PLOT_PREVIEW").is_none() {
        return;
    }
    let root = Path::new("/tmp/plots_preview");
    for (sub, sweep) in [
        ("run", "healthy"),
        ("faulty_sweep", "faulty"),
        ("paired_sweep", "both"),
    ] {
        let dir = root.join(sub);
        fs::create_dir_all(&dir).unwrap();
        write_fixtures(&dir);
        fs::write(dir.join("sweep.csv"), sweep_csv(sweep)).unwrap();
        for format in [PlotFormat::Svg, PlotFormat::Png] {
            for p in plot_dir(&dir, &opts(format, &[])).unwrap() {
                eprintln!("wrote {}", p.display());
            }
        }
    }
    let dir = root.join("two_alarms");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("timeline.csv"), timeline_and_events(true).0).unwrap();
    plot_dir(&dir, &opts(PlotFormat::Png, &[])).unwrap();
}

#[test]
fn header_only_inputs_still_plot_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let runs_header = runs_csv().lines().next().unwrap().to_owned() + "\n";
    let timeline_header = timeline_and_events(false)
        .0
        .lines()
        .next()
        .unwrap()
        .to_owned()
        + "\n";
    let sweep_header = sweep_csv("healthy").lines().next().unwrap().to_owned() + "\n";
    fs::write(tmp.path().join("runs.csv"), runs_header).unwrap();
    fs::write(tmp.path().join("timeline.csv"), timeline_header).unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_header).unwrap();
    for format in [PlotFormat::Svg, PlotFormat::Png] {
        let written = plot_dir(tmp.path(), &opts(format, &[])).unwrap();
        assert_eq!(written.len(), 5);
    }
    let cdf = fs::read_to_string(tmp.path().join("detection_cdf.svg")).unwrap();
    assert!(cdf.contains("no replication was rolled back or stopped"));
}

/// `sweep.csv` as written before the miss-counting columns: no
/// `detection_p50_detected_s`, no excess bad requests.
fn old_sweep_csv() -> String {
    let new = sweep_csv("both");
    let mut lines = new.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| {
            let h = header[i];
            !h.starts_with("excess_") && !h.contains("_detected_s") && !h.contains("deploy_mean")
                || h == "deploy_mean_s"
        })
        .collect();
    let pick = |cells: Vec<&str>| keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",");
    let mut out = pick(header.clone()) + "\n";
    for l in lines {
        out += &pick(l.split(',').collect());
        out.push('\n');
    }
    out
}

#[test]
fn tradeoff_counts_misses_by_default_and_labels_them() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("both")).unwrap();
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Tradeoff])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(
        svg.contains("vs mean excess bad requests (faulty candidate)"),
        "title"
    );
    assert!(svg.contains("caused by the fault"), "y axis");
    assert!(
        svg.contains("threshold=5, periods=2, missed 94%"),
        "every label carries its missed %"
    );
    assert!(svg.contains("threshold=1, periods=1, missed 0%"));
    assert!(!svg.contains("missed / never"), "no never band for counts");
}

#[test]
fn tradeoff_draws_a_never_detecting_setting_in_the_missed_band() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("both")).unwrap();
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Tradeoff]);
    o.tradeoff_y = Some("detection_p50_s".into());
    let p = plot_dir(tmp.path(), &o).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(svg.contains("missed / never detected"), "the band is drawn");
    assert!(svg.contains("time to detection p50 (misses = never)"));
    // The never-detecting point is labelled and placed in the band: its
    // label sits above every tick of the axis.
    let y_of = |needle: &str| -> f64 {
        let at = svg
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not in the SVG"));
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let y = tag
            .split(" y=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        y.parse().unwrap()
    };
    let never = y_of("missed 94%");
    let band = y_of("missed / never detected");
    let ok_point = y_of("threshold=1, periods=1, missed 0%");
    assert!(
        (never - band).abs() < 60.0 && never < ok_point,
        "never label at y={never}, band at {band}, detected point at {ok_point}"
    );
    // PNG too.
    o.format = PlotFormat::Png;
    assert_valid(&plot_dir(tmp.path(), &o).unwrap()[0], PlotFormat::Png);
}

#[test]
fn older_files_fall_back_or_name_the_missing_column() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), old_sweep_csv()).unwrap();
    // Default y: total bad requests, and the title says so.
    let p = plot_dir(
        tmp.path(),
        &opts(PlotFormat::Svg, &[PlotKind::Tradeoff, PlotKind::Sweep]),
    )
    .unwrap();
    let tradeoff = fs::read_to_string(&p[0]).unwrap();
    assert!(tradeoff.contains("total, not excess"), "fallback named");
    let sweep = fs::read_to_string(&p[1]).unwrap();
    assert!(
        sweep.contains("its detection_p50_s ignores misses"),
        "panel note"
    );
    // Detection quantiles that ignore misses are refused for the trade-off.
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Tradeoff]);
    o.tradeoff_y = Some("detection_p50_s".into());
    let msg = plot_dir(tmp.path(), &o).unwrap_err().to_string();
    assert!(
        msg.contains("sweep.csv: missing column `detection_p50_detected_s`"),
        "{msg}"
    );
    // A needed column missing altogether: a PlotError naming file and column.
    let text = sweep_csv("both").replace("missed_rate,", "missed_rat,");
    fs::write(tmp.path().join("sweep.csv"), text).unwrap();
    for kind in [PlotKind::Tradeoff, PlotKind::Sweep] {
        let err = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[kind])).unwrap_err();
        assert!(matches!(err, PlotError::MissingColumn { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("sweep.csv: missing column `missed_rate`"),
            "{err}"
        );
    }
}

#[test]
fn sweep_panels_keep_healthy_and_faulty_apart() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("sweep.csv"), sweep_csv("both")).unwrap();
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Sweep])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    for panel in [
        "Healthy candidate: false-rollback rate",
        "Faulty candidate: detect rate (1 − missed rate)",
        "Faulty candidate: time to detection p50 (misses = never)",
        "Faulty candidate: mean excess bad requests",
    ] {
        assert!(svg.contains(panel), "panel {panel:?}");
    }
    assert!(svg.contains("never (p50 among the misses)"), "never band");
    assert!(
        !svg.contains("median detection time"),
        "no conditional detection"
    );
    // The variant column selects the panel; it is not a legend key.
    assert!(!svg.contains("faults="));
    assert!(svg.contains("canary · periods=2"));
    let o = opts(PlotFormat::Png, &[PlotKind::Sweep]);
    assert_valid(&plot_dir(tmp.path(), &o).unwrap()[0], PlotFormat::Png);
}

#[test]
fn sweep_legend_names_only_varying_keys_and_notes_identical_lines() {
    let tmp = tempfile::tempdir().unwrap();
    // canary is swept over periods 1 and 2 with identical results; linear
    // only over periods 1.
    let mut text = String::from("threshold,periods,");
    text += &SUMMARY_COLUMNS.join(",");
    text.push('\n');
    for (strategy, periods) in [("canary", 1.0), ("canary", 2.0), ("linear", 1.0)] {
        for threshold in [1.0, 5.0] {
            for faulty in [false, true] {
                let rb = if faulty { 0.9 } else { 0.2 / threshold };
                let det = if strategy == "canary" { 200.0 } else { 300.0 };
                write!(text, "{threshold},{periods},").unwrap();
                text += &summary_row(strategy, faulty, rb, Some(det), 100.0 * threshold);
                text.push('\n');
            }
        }
    }
    fs::write(tmp.path().join("sweep.csv"), text).unwrap();
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Sweep])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(has_text(&svg, "canary · periods=1"), "canary names periods");
    assert!(has_text(&svg, "linear"), "linear names no key");
    assert!(!svg.contains("linear · periods"));
    assert!(
        svg.contains("canary · periods=2 = same as canary · periods=1"),
        "identical lines are noted"
    );
}

#[test]
fn timeline_marks_units_thresholds_and_trims_time() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixtures(tmp.path());
    let p = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Timeline])).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    for text in [
        "alarm metric (%)",
        "error_rate metric (%)",
        "error_rate ≥ 5%",
        "rollback started at 4 min",
    ] {
        assert!(svg.contains(text), "{text:?} missing");
    }
    for legend in ["detection", "rollback start", "rollback complete"] {
        assert!(has_text(&svg, legend), "legend {legend:?} missing");
    }
    // The fixture runs 30 min, the last rollback completes at 6.08 min:
    // the axis ends a margin after it (8.08 min), not at 30. (The other
    // axes' ticks are 0, 10, 20 and 0, 50, 100.)
    assert!(has_text(&svg, "6") && !has_text(&svg, "12") && !has_text(&svg, "28"));
    // --until chooses the end.
    let mut o = opts(PlotFormat::Svg, &[PlotKind::Timeline]);
    o.until = Some(canarysim::time::secs(20 * 60));
    plot_dir(tmp.path(), &o).unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(has_text(&svg, "18") && !has_text(&svg, "22") && !has_text(&svg, "28"));
}

#[test]
fn detection_cdf_names_its_population() {
    let tmp = tempfile::tempdir().unwrap();
    write_fixtures(tmp.path());
    let p = plot_dir(
        tmp.path(),
        &opts(PlotFormat::Svg, &[PlotKind::DetectionCdf]),
    )
    .unwrap();
    let svg = fs::read_to_string(&p[0]).unwrap();
    assert!(svg.contains("all faulty runs"), "title");
    assert!(svg.contains("misses never reach 100"), "axis");
    assert!(svg.contains("% never"), "legend");
}

#[test]
fn plot_out_writes_elsewhere_with_the_given_title() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    write_fixtures(input.path());
    let out_dir = output.path().join("plots");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_canarysim"))
        .arg("plot")
        .arg(input.path())
        .arg("--out")
        .arg(&out_dir)
        .args(["--title", "Design review: threshold 1 or 5?"])
        .args(["--until", "12m"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for kind in PlotKind::ALL {
        let name = format!("{}.svg", kind.name());
        assert!(out_dir.join(&name).is_file(), "{name} not in --out");
        assert!(
            !input.path().join(&name).exists(),
            "{name} written into DIR"
        );
        let svg = fs::read_to_string(out_dir.join(&name)).unwrap();
        assert!(
            svg.contains("Design review: threshold 1 or 5?"),
            "{name}: title"
        );
    }
    let timeline = fs::read_to_string(out_dir.join("timeline.svg")).unwrap();
    assert!(
        has_text(&timeline, "11") || has_text(&timeline, "12"),
        "--until 12m"
    );
    assert!(!has_text(&timeline, "14") && !has_text(&timeline, "28"));
    // A bad --until is a usage error.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_canarysim"))
        .arg("plot")
        .arg(input.path())
        .args(["--until", "soon"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--until"));
}

#[test]
fn exposure_plots_the_fault_s_excess_says_healthy_and_falls_back_to_totals() {
    let svg = |runs: &str| {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("runs.csv"), runs).unwrap();
        let written = plot_dir(tmp.path(), &opts(PlotFormat::Svg, &[PlotKind::Exposure])).unwrap();
        fs::read_to_string(&written[0]).unwrap()
    };
    // Today's runs.csv: the fault's excess, with every number readable.
    let text = svg(&runs_csv());
    assert!(
        text.contains("excess bad requests (caused by the fault)"),
        "{text}"
    );
    assert!(text.contains("All runs of each strategy (n = 200)"));
    assert!(!text.contains('…'), "a label is truncated");
    assert!(text.contains("p95 "));
    assert!(!text.contains("healthy candidate"));

    // A healthy candidate: excess 0 by construction, no degenerate box.
    let healthy: String = runs_csv()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return line.to_owned() + "\n";
            }
            let mut cells: Vec<&str> = line.split(',').collect();
            cells[3] = "false";
            cells[11] = "0";
            cells.join(",") + "\n"
        })
        .collect();
    let text = svg(&healthy);
    assert!(text.contains("healthy candidate:") && text.contains("no excess"));
    assert!(text.contains("baseline bad requests: mean"));
    assert!(!text.contains("whiskers"), "no box, so no box legend");

    // An older runs.csv without the column: all bad requests, said so.
    let older: String = runs_csv()
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            [&cells[..11], &cells[14..]].concat().join(",") + "\n"
        })
        .collect();
    let text = svg(&older);
    assert!(text.contains("(total, baseline included)"), "{text}");
    assert!(text.contains("no excess_bad_requests column"));
}
