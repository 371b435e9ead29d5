//! Look of every chart in one place: sizes, palette, font sizes, the bundled
//! font, number formatting and marker shapes.
//!
//! Colours follow the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
//! Design"), which stays distinguishable for the common colour-vision
//! deficiencies; strategies keep the same colour in every chart because each
//! chart colours them by their order of first appearance in the input.

use std::ops::Range;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{Circle, DashedPathElement, PathElement, Polygon, Rectangle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontFamily, FontStyle, RGBColor, ShapeStyle};

use super::DrawError;

/// Size of the single-panel charts (CDF, exposure, trade-off, sweep).
pub const CHART_SIZE: (u32, u32) = (1200, 780);
/// Width of the timeline; its height grows with the number of strategies.
pub const TIMELINE_WIDTH: u32 = 1280;

/// Timeline geometry: per strategy a header line, then three strips
/// sharing the time axis (weight, error rates, alarm metric), then the time
/// tick labels.
pub const TIMELINE_PANEL_HEADER: u32 = 34;
pub const TIMELINE_WEIGHT_STRIP: u32 = 105;
pub const TIMELINE_ERROR_STRIP: u32 = 145;
pub const TIMELINE_ALARM_STRIP: u32 = 145;
pub const TIMELINE_X_TICKS: u32 = 30;
/// Height of one alarm's state lane (timelines with several alarms).
pub const TIMELINE_LANE: u32 = 20;
pub const TIMELINE_PANEL_GAP: u32 = 22;
/// Right margin of the timeline strips, where threshold values are written.
pub const TIMELINE_RIGHT: u32 = 70;
/// Height of the time-axis description under the last panel.
pub const TIMELINE_FOOTER: u32 = 32;

/// Outer margin around every chart, in pixels.
pub const MARGIN: u32 = 18;
/// Height of the title line at the top of every chart.
pub const TITLE_HEIGHT: u32 = 44;
/// Width reserved left of a plot for tick labels and the y-axis description.
pub const Y_LABEL_AREA: u32 = 86;
/// Height reserved below a plot for tick labels and the x-axis description.
pub const X_LABEL_AREA: u32 = 62;

/// Font family name the bundled font is registered under. "sans-serif" is
/// also what SVG viewers fall back to when they do not have DejaVu Sans.
pub const FONT: &str = "sans-serif";
// Font sizes are even on purpose: plotters' ab_glyph renderer places each
// glyph at size/2 + its top, truncated to whole pixels, so odd sizes shift
// small glyphs such as `.` and `,` up by a pixel.
pub const TITLE_FONT_SIZE: f64 = 26.0;
pub const SUBTITLE_FONT_SIZE: f64 = 18.0;
pub const AXIS_DESC_FONT_SIZE: f64 = 16.0;
pub const TICK_FONT_SIZE: f64 = 14.0;
pub const LEGEND_FONT_SIZE: f64 = 14.0;
pub const POINT_LABEL_FONT_SIZE: f64 = 12.0;
pub const NOTE_FONT_SIZE: f64 = 14.0;

/// Okabe–Ito colours in the order strategies receive them (yellow, hard to
/// see on white, is left out).
pub const STRATEGY_COLORS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// Colour of the n-th strategy (cycling past the palette).
pub fn strategy_color(index: usize) -> RGBColor {
    STRATEGY_COLORS[index % STRATEGY_COLORS.len()]
}

/// `c` blended with white: `a` = 1 gives `c`, 0 gives white. For swatches
/// that must match a translucent fill drawn on white.
pub fn tint(c: RGBColor, a: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * a).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// `c` darkened, for text in a series colour (light colours such as
/// orange are hard to read as thin text).
pub fn darker(c: RGBColor) -> RGBColor {
    let f = |v: u8| (v as f64 * 0.7).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Timeline colours.
pub const WEIGHT_COLOR: RGBColor = RGBColor(0, 114, 178);
pub const CANDIDATE_ERROR_COLOR: RGBColor = RGBColor(213, 94, 0);
pub const STABLE_ERROR_COLOR: RGBColor = RGBColor(80, 80, 80);
/// Alarm metric colours, one per alarm.
pub const ALARM_COLORS: [RGBColor; 5] = [
    RGBColor(204, 121, 167),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// Colour of the n-th alarm of the timeline.
pub fn alarm_color(index: usize) -> RGBColor {
    ALARM_COLORS[index % ALARM_COLORS.len()]
}

/// Light background bands for the alarm states.
pub const BAND_OK: RGBColor = RGBColor(222, 242, 222);
pub const BAND_ALARM: RGBColor = RGBColor(250, 212, 212);
pub const BAND_INSUFFICIENT: RGBColor = RGBColor(236, 236, 236);

/// Vertical event markers on the timeline.
pub const HOOK_COLOR: RGBColor = RGBColor(100, 100, 100);
pub const DETECTED_COLOR: RGBColor = RGBColor(200, 0, 0);
pub const ROLLBACK_COLOR: RGBColor = RGBColor(120, 40, 160);
pub const STOPPED_COLOR: RGBColor = RGBColor(230, 120, 0);
pub const COMPLETED_COLOR: RGBColor = RGBColor(0, 140, 70);

pub const TEXT_COLOR: RGBColor = RGBColor(20, 20, 20);
pub const NOTE_COLOR: RGBColor = RGBColor(90, 90, 90);
pub const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);
pub const AXIS_COLOR: RGBColor = RGBColor(60, 60, 60);

/// Dash length and gap for dashed lines, in pixels.
pub const DASH: (u32, u32) = (7, 5);

static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled DejaVu Sans (regular and bold) with plotters once
/// per process. Without it text rendering fails: plotters is built without
/// system font lookup so that no fontconfig/freetype is needed.
pub fn ensure_fonts() -> Result<(), DrawError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, FONT_REGULAR).is_ok()
            && register_font(FONT, FontStyle::Bold, FONT_BOLD).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(DrawError(
            "the bundled DejaVu Sans font cannot be parsed".into(),
        ))
    }
}

/// A regular font of the given size.
pub fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

/// A bold font of the given size.
pub fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Bold)
}

/// A text style with colour and anchor.
pub fn text(size: f64, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size).color(color).pos(Pos::new(h, v))
}

/// Width and height of `s` in pixels, as the renderer will lay it out.
/// Falls back to a generous estimate if the font cannot measure it.
pub fn text_size(f: &FontDesc<'_>, s: &str) -> (u32, u32) {
    f.box_size(s).unwrap_or_else(|_| {
        let size = f.get_size();
        ((s.chars().count() as f64 * size * 0.62) as u32, size as u32)
    })
}

/// Formats a number for ticks and labels: at most three significant
/// decimals, trailing zeros dropped, `k`/`M` suffixes for large values.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a < 1e-12 {
        return "0".into();
    }
    if a >= 1e6 {
        return format!("{}M", trim_zeros(format!("{:.2}", v / 1e6)));
    }
    if a >= 1e4 {
        return format!("{}k", trim_zeros(format!("{:.1}", v / 1e3)));
    }
    let s = if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        return format!("{v:.1e}");
    };
    trim_zeros(s)
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A "nice" upper axis bound at or above `v` (1, 2, 2.5, 5 × 10^k).
pub fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * base >= v * (1.0 - 1e-9) {
            return m * base;
        }
    }
    10.0 * base
}

/// Round tick values covering [lo, hi] with about `target` intervals
/// (steps of 1, 2, 2.5 or 5 × 10^k).
pub fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let base = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * base);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Axis range for a scatter plot of values in [lo, hi]: from 0 unless the
/// data sit far from it (lo > 30 % of hi), then from a round value below
/// lo; a margin above hi; never past `cap` (e.g. 100 %) by more than the
/// margin.
pub fn scatter_range(lo: f64, hi: f64, cap: Option<f64>) -> Range<f64> {
    if !lo.is_finite() || !hi.is_finite() || hi <= 0.0 {
        return 0.0..1.0;
    }
    let span = (hi - lo).max(hi * 0.05);
    let step = {
        let t = ticks(0.0, span * 1.3, 6);
        if t.len() > 1 {
            t[1] - t[0]
        } else {
            span
        }
    };
    let start = if lo > 0.3 * hi {
        (((lo - 0.1 * span) / step).floor() * step).max(0.0)
    } else {
        0.0
    };
    let mut end = hi + 0.15 * span;
    if let Some(c) = cap {
        end = end.min(c + 0.05 * (c - start));
    }
    start..end
}

/// A linear f64 axis whose grid lines and labels sit exactly at the given
/// ticks (plotters' own `with_key_points` cannot use custom formatters).
#[derive(Debug, Clone, PartialEq)]
pub struct TickAxis {
    pub range: Range<f64>,
    pub ticks: Vec<f64>,
}

impl TickAxis {
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        TickAxis { range, ticks }
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range.clone()).map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only bold grid lines (with labels); no light lines in between.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Marker shapes, cycled per strategy or per line so that overlapping
/// series stay distinguishable without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Triangle,
    Square,
    Diamond,
    TriangleDown,
    Cross,
}

pub const SHAPES: [Shape; 6] = [
    Shape::Circle,
    Shape::Triangle,
    Shape::Square,
    Shape::Diamond,
    Shape::TriangleDown,
    Shape::Cross,
];

/// Shape of the n-th series.
pub fn shape(index: usize) -> Shape {
    SHAPES[index % SHAPES.len()]
}

/// Draws a marker centred on pixel `c` with half-size `r` on a pixel area.
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: (i32, i32),
    shape: Shape,
    r: i32,
    color: &RGBColor,
    filled: bool,
) -> Result<(), DrawError> {
    let fill: ShapeStyle = if filled {
        color.filled()
    } else {
        WHITE.filled()
    };
    let stroke = color.stroke_width(2);
    let (x, y) = c;
    let poly = |pts: Vec<(i32, i32)>| -> Result<(), DrawError> {
        area.draw(&Polygon::new(pts.clone(), fill))?;
        let mut closed = pts;
        closed.push(closed[0]);
        area.draw(&PathElement::new(closed, stroke))?;
        Ok(())
    };
    match shape {
        Shape::Circle => {
            area.draw(&Circle::new(c, r, fill))?;
            area.draw(&Circle::new(c, r, stroke))?;
        }
        Shape::Square => {
            let r = r - 1;
            area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill))?;
            area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], stroke))?;
        }
        Shape::Triangle => poly(vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)])?,
        Shape::TriangleDown => poly(vec![(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)])?,
        Shape::Diamond => poly(vec![
            (x, y - r - 1),
            (x + r + 1, y),
            (x, y + r + 1),
            (x - r - 1, y),
        ])?,
        Shape::Cross => {
            let s = color.stroke_width(3);
            area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], s))?;
            area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], s))?;
        }
    }
    Ok(())
}

/// Draws a dashed polyline in pixel coordinates.
pub fn draw_dashed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    style: ShapeStyle,
) -> Result<(), DrawError> {
    if points.len() < 2 {
        return Ok(());
    }
    area.draw(&DashedPathElement::new(
        points.iter().copied(),
        DASH.0,
        DASH.1,
        style,
    ))?;
    Ok(())
}

/// Labels a "never" band drawn above a time axis (runs whose time never
/// came): a rule along its lower edge, `note` at its top right and the
/// tick-like word "never" left of the axis. `top_left` and `bottom_right`
/// are the band's corners in pixels of `root`.
pub fn label_never_band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    top_left: (i32, i32),
    bottom_right: (i32, i32),
    note: &str,
    note_size: f64,
) -> Result<(), DrawError> {
    let ((x0, y0), (x1, y1)) = (top_left, bottom_right);
    root.draw(&PathElement::new(
        vec![(x0, y1), (x1, y1)],
        NOTE_COLOR.stroke_width(1),
    ))?;
    root.draw(&Text::new(
        note.to_owned(),
        (x1 - 6, y0 + 3),
        text(note_size, &NOTE_COLOR, HPos::Right, VPos::Top),
    ))?;
    root.draw(&Text::new(
        "never",
        (x0 - 8, (y0 + y1) / 2),
        text(TICK_FONT_SIZE, &TEXT_COLOR, HPos::Right, VPos::Center),
    ))?;
    Ok(())
}

/// Height of the optional subtitle line under the title.
pub const SUBTITLE_HEIGHT: u32 = 24;

/// Draws the chart title (and an optional grey subtitle line explaining how
/// to read the chart) centred at the top of `root`; returns the area below.
pub fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let (w, _) = root.dim_in_pixel();
    let max_w = w.saturating_sub(2 * MARGIN);
    let mut size = TITLE_FONT_SIZE;
    while size > 18.0 && text_size(&bold(size), title).0 > max_w {
        size -= 2.0;
    }
    let f = bold(size);
    root.draw(&Text::new(
        fit_text(&f, title, max_w),
        ((w / 2) as i32, (MARGIN + TITLE_HEIGHT / 2) as i32 - 4),
        f.color(&TEXT_COLOR)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    let mut used = MARGIN + TITLE_HEIGHT;
    if let Some(sub) = subtitle {
        let f = font(NOTE_FONT_SIZE);
        root.draw(&Text::new(
            fit_text(&f, sub, max_w),
            ((w / 2) as i32, (used + SUBTITLE_HEIGHT / 2) as i32 - 6),
            f.color(&NOTE_COLOR)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        used += SUBTITLE_HEIGHT;
    }
    let (_, rest) = root.split_vertically(used);
    Ok(rest)
}

/// Shortens `s` with an ellipsis until it fits `max_width` pixels.
pub fn fit_text(f: &FontDesc<'_>, s: &str, max_width: u32) -> String {
    if text_size(f, s).0 <= max_width {
        return s.to_owned();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if text_size(f, &candidate).0 <= max_width {
            return candidate;
        }
    }
    String::new()
}

/// Draws a centred note (e.g. "no data") in the middle of `area`.
pub fn draw_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &str,
) -> Result<(), DrawError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        note.to_owned(),
        ((w / 2) as i32, (h / 2) as i32),
        text(
            NOTE_FONT_SIZE + 2.0,
            &NOTE_COLOR,
            HPos::Center,
            VPos::Center,
        ),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(5.0), "5");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.125), "0.125");
        assert_eq!(fmt_num(186.3), "186");
        assert_eq!(fmt_num(15_000.0), "15k");
        assert_eq!(fmt_num(12_345.0), "12.3k");
        assert_eq!(fmt_num(-3.5), "-3.5");
    }

    #[test]
    fn tick_values() {
        assert_eq!(ticks(0.0, 100.0, 4), [0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(ticks(0.0, 1.0, 4), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(ticks(0.0, 25.0, 4), [0.0, 10.0, 20.0]);
    }

    #[test]
    fn scatter_ranges() {
        assert_eq!(scatter_range(1.0, 80.0, Some(100.0)).start, 0.0);
        let r = scatter_range(80.0, 100.0, Some(100.0));
        assert!(r.start > 50.0 && r.start <= 78.0 && r.end <= 102.0, "{r:?}");
        assert_eq!(scatter_range(f64::INFINITY, 0.0, None), 0.0..1.0);
    }

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(0.9), 1.0);
        assert_eq!(nice_ceil(21.0), 25.0);
        assert_eq!(nice_ceil(100.0), 100.0);
        assert_eq!(nice_ceil(101.0), 120.0);
    }
}
