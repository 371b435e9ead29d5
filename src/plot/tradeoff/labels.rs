//! The point labels of the trade-off chart: one per group of coinciding
//! points of a strategy (swept values and the missed-fault rate), placed
//! greedily so that labels of a cluster neither overlap each other nor the
//! markers, with a leader line when a label had to move away.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Point, TradeoffChart};
use crate::plot::data::first_seen;
use crate::plot::style;
use crate::plot::DrawError;

/// `missed 94%`: whole percent, never rounding a partial miss to 0 or 100.
fn missed_label(missed: f64) -> String {
    let pct = missed * 100.0;
    if pct <= 0.0 {
        "0%".to_owned()
    } else if pct < 0.5 {
        "<1%".to_owned()
    } else if (99.5..100.0).contains(&pct) {
        ">99%".to_owned()
    } else {
        format!("{:.0}%", pct)
    }
}

/// An axis-aligned pixel rectangle.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect {
    pub(super) x0: i32,
    pub(super) y0: i32,
    pub(super) x1: i32,
    pub(super) y1: i32,
}

impl Rect {
    fn overlap(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0) as i64;
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0) as i64;
        w * h
    }

    fn outside(&self, bounds: &Rect) -> i64 {
        let area = ((self.x1 - self.x0) * (self.y1 - self.y0)) as i64;
        area - self.overlap(bounds)
    }
}

/// Greedy label placement: for each label (in order), the first free spot
/// in a list of candidates ordered by distance from its point: right, left,
/// above and below the point, then the same sides shifted along them
/// (stacking labels of a cluster), then further out. A spot is free if it
/// overlaps no placed label, no marker and stays inside the plot; if none
/// is, the least-overlapping spot is used. Returns per label the text's
/// top-left corner and whether a leader line to the point is needed.
fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(u32, u32)],
    markers: &[(i32, i32)],
    bounds: Rect,
) -> Vec<((i32, i32), bool)> {
    const R: i32 = 9;
    let mut placed: Vec<Rect> = Vec::new();
    let marker_rects: Vec<Rect> = markers
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - 7,
            y0: y - 7,
            x1: x + 7,
            y1: y + 7,
        })
        .collect();
    let mut out = Vec::new();
    for (&(px, py), &(w, h)) in anchors.iter().zip(sizes) {
        let (w, h) = (w as i32, h as i32);
        let mut best: Option<(i64, Rect, bool)> = None;
        let mut rank = 0i64;
        'search: for ring in 0..5 {
            let d = R + ring * 24;
            for k in [0, -1, 1, -2, 2, -3, 3, -4, 4] {
                let dy = k * (h + 2);
                let dx = k * (w / 3);
                let candidates = [
                    (px + d, py - h / 2 + dy),     // right
                    (px - d - w, py - h / 2 + dy), // left
                    (px - w / 2 + dx, py - d - h), // above
                    (px - w / 2 + dx, py + d),     // below
                ];
                for (x, y) in candidates {
                    let r = Rect {
                        x0: x,
                        y0: y,
                        x1: x + w,
                        y1: y + h,
                    };
                    let overlap = placed.iter().map(|p| p.overlap(&r)).sum::<i64>()
                        + marker_rects.iter().map(|m| m.overlap(&r)).sum::<i64>()
                        + 100 * r.outside(&bounds);
                    let score = overlap * 1000 + rank;
                    rank += 1;
                    if best.as_ref().is_none_or(|b| score < b.0) {
                        best = Some((score, r, ring > 0 || k != 0));
                    }
                    if overlap == 0 {
                        break 'search;
                    }
                }
            }
        }
        let (_, r, leader) = best.expect("at least one candidate");
        placed.push(r);
        out.push(((r.x0, r.y0), leader));
    }
    out
}

impl TradeoffChart {
    /// Writes the point labels (markers at `pixels`, in point order)
    /// inside the plot area `bounds`.
    pub(super) fn draw_labels<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        pixels: &[(i32, i32)],
        bounds: Rect,
    ) -> Result<(), DrawError> {
        // One label per group of coinciding points of one strategy; values that differ
        // within a group are listed as `1/2/5`.
        let mut groups: Vec<((i32, i32), Vec<&Point>)> = Vec::new();
        for (p, &px) in self.points.iter().zip(pixels) {
            match groups.iter_mut().find(|g| {
                g.1[0].strategy == p.strategy
                    && (g.0 .0 - px.0).abs() <= 3
                    && (g.0 .1 - px.1).abs() <= 3
            }) {
                Some(g) => g.1.push(p),
                None => groups.push((px, vec![p])),
            }
        }
        let f = style::font(style::POINT_LABEL_FONT_SIZE);
        let texts: Vec<String> = groups
            .iter()
            .map(|g| {
                let mut text = self
                    .label_keys
                    .iter()
                    .enumerate()
                    .map(|(k, name)| {
                        let values = first_seen(g.1.iter().map(|p| p.keys[k].as_str()));
                        format!("{name}={}", values.join("/"))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let missed: Vec<String> =
                    g.1.iter()
                        .filter_map(|p| p.missed)
                        .map(missed_label)
                        .collect();
                let missed = first_seen(missed.iter().map(String::as_str));
                if !missed.is_empty() {
                    if !text.is_empty() {
                        text.push_str(", ");
                    }
                    text.push_str(&format!("missed {}", missed.join("/")));
                }
                text
            })
            .collect();
        let groups: Vec<((i32, i32), usize)> =
            groups.iter().map(|g| (g.0, g.1[0].strategy)).collect();
        let sizes: Vec<(u32, u32)> = texts
            .iter()
            .map(|t| {
                let (w, h) = style::text_size(&f, t);
                (w + 4, h + 4)
            })
            .collect();
        let anchors: Vec<(i32, i32)> = groups.iter().map(|g| g.0).collect();
        let spots = place_labels(&anchors, &sizes, pixels, bounds);
        for (((g, text), &(w, h)), ((x, y), leader)) in
            groups.iter().zip(&texts).zip(&sizes).zip(spots)
        {
            if text.is_empty() {
                continue;
            }
            let color = style::strategy_color(g.1);
            if leader {
                // To the nearest point of the label's box.
                let cx = g.0 .0.clamp(x, x + w as i32);
                let cy = g.0 .1.clamp(y, y + h as i32);
                root.draw(&DashedPathElement::new(
                    [g.0, (cx, cy)],
                    2,
                    2,
                    style::NOTE_COLOR.stroke_width(1),
                ))?;
            }
            root.draw(&Rectangle::new(
                [(x, y), (x + w as i32, y + h as i32)],
                WHITE.mix(0.8).filled(),
            ))?;
            root.draw(&Text::new(
                text.clone(),
                (x + 2, y + h as i32 / 2),
                f.color(&style::darker(color))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_a_cluster_do_not_overlap() {
        let bounds = Rect {
            x0: 100,
            y0: 100,
            x1: 1100,
            y1: 700,
        };
        let anchors = [
            (102, 400),
            (104, 402),
            (108, 399),
            (102, 396),
            (110, 405),
            (103, 401),
        ];
        let sizes = [(180, 16); 6];
        let spots = place_labels(&anchors, &sizes, &anchors, bounds);
        let rects: Vec<Rect> = spots
            .iter()
            .zip(&sizes)
            .map(|(((x, y), _), (w, h))| Rect {
                x0: *x,
                y0: *y,
                x1: x + *w as i32,
                y1: y + *h as i32,
            })
            .collect();
        for (i, a) in rects.iter().enumerate() {
            assert_eq!(a.outside(&bounds), 0, "label {i} outside: {a:?}");
            for (j, b) in rects.iter().enumerate().skip(i + 1) {
                assert_eq!(a.overlap(b), 0, "labels {i} and {j} overlap: {a:?} {b:?}");
            }
        }
    }
}
