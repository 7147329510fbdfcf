//! A line chart as inline SVG: value axis with round ticks and a title with
//! its unit, a time or percentile axis, a legend, shaded bands (the warm-up),
//! and one path per line. No script: the browser only draws.

use std::fmt::Write as _;

use maud::{Markup, html};

use super::scale;
use crate::report::truncate;

/// Width of every chart's drawing, in SVG units (it scales to the page).
const WIDTH: f64 = 640.0;
/// Height of the plot area.
const PLOT_HEIGHT: f64 = 200.0;
/// Space for the value axis labels and title.
const LEFT: f64 = 64.0;
/// Space right of the plot.
const RIGHT: f64 = 28.0;
/// Space under the plot for the time axis labels and title.
const BOTTOM: f64 = 42.0;
/// Height of one legend row.
const LEGEND_ROW: f64 = 18.0;
/// Rough width of one legend character (12 px sans-serif).
const CHAR_WIDTH: f64 = 7.0;
/// Legend swatch and gap before the name.
const SWATCH: f64 = 26.0;
/// Gap between legend entries.
const LEGEND_GAP: f64 = 14.0;

/// What the horizontal axis shows.
#[derive(Debug, Clone, Copy)]
pub enum XAxis {
    /// Seconds since the load started, 0 to the given end.
    Time(f64),
    /// Percentiles on a log scale, from 0% to the given number of nines.
    Percentile(f64),
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Its legend entry.
    pub name: String,
    /// Its stroke colour.
    pub color: &'static str,
    /// Whether it is drawn thicker (the total over all requests).
    pub bold: bool,
    /// Points in axis units; `None` leaves a gap (nothing was measured there).
    pub points: Vec<(f64, Option<f64>)>,
}

/// A shaded span of the horizontal axis: the warm-up, or a window in which
/// an objective breached.
#[derive(Debug, Clone)]
pub struct Band {
    /// Start, in horizontal axis units.
    pub from: f64,
    /// End.
    pub to: f64,
    /// The label written in it.
    pub label: String,
    /// Whether it marks a breach (red) rather than the warm-up (grey).
    pub breach: bool,
}

/// A chart ready to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The heading above it.
    pub title: String,
    /// The value axis title, with its unit (`latency (ms)`).
    pub y_title: &'static str,
    /// The horizontal axis.
    pub x: XAxis,
    /// The lines, drawn in order, legend in the same order.
    pub lines: Vec<Line>,
    /// Shaded spans behind the lines.
    pub bands: Vec<Band>,
}

impl Chart {
    /// The chart as a `<figure>` holding its heading and its SVG.
    pub fn render(&self) -> Markup {
        let legend = legend_layout(&self.lines);
        let top = 10.0 + legend.rows as f64 * LEGEND_ROW + 6.0;
        let height = top + PLOT_HEIGHT + BOTTOM;
        let frame = Frame::new(self.x, self.y_ticks(), top);
        let has_data = self
            .lines
            .iter()
            .any(|l| l.points.iter().any(|(_, y)| y.is_some()));
        html! {
            figure.chart {
                figcaption { (self.title) }
                svg.chart viewBox=(format!("0 0 {WIDTH} {}", num(height))) role="img" {
                    title { (self.title) }
                    (self.draw_bands(&frame))
                    (self.draw_axes(&frame))
                    @if has_data {
                        @for line in &self.lines {
                            path.line d=(frame.path(&line.points)) stroke=(line.color)
                                stroke-width=(if line.bold { "2.2" } else { "1.4" }) {}
                        }
                    } @else {
                        text.nodata x=(num(frame.left + frame.width / 2.0)) y=(num(top + PLOT_HEIGHT / 2.0))
                            text-anchor="middle" { "no data" }
                    }
                    @for (line, (x, y)) in self.lines.iter().zip(&legend.positions) {
                        g.legend {
                            path d=(format!("M{} {}h18", num(*x), num(*y - 4.0))) stroke=(line.color)
                                stroke-width="3" {}
                            text x=(num(x + SWATCH - 4.0)) y=(num(*y)) { (line.name) }
                        }
                    }
                }
            }
        }
    }

    fn y_ticks(&self) -> Vec<f64> {
        let max = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().filter_map(|(_, y)| *y))
            .filter(|y| y.is_finite())
            .fold(0.0, f64::max);
        scale::linear_ticks(max)
    }

    fn draw_bands(&self, frame: &Frame) -> Markup {
        html! {
            @for (i, band) in self.bands.iter().enumerate() {
                @let from = frame.px(band.from);
                @let to = frame.px(band.to);
                @if to > from {
                    rect class=(if band.breach { "band breach" } else { "band" })
                        x=(num(from)) y=(num(frame.top)) width=(num(to - from)) height=(num(PLOT_HEIGHT)) {
                        title { (band.label) }
                    }
                    @let room = (frame.left + frame.width - from - 8.0) / CHAR_WIDTH;
                    text.band-label x=(num(from + 4.0)) y=(num(frame.top + 12.0 + 13.0 * i as f64)) {
                        (truncate(&band.label, room.max(1.0) as usize))
                    }
                }
            }
        }
    }

    fn draw_axes(&self, frame: &Frame) -> Markup {
        let bottom = frame.top + PLOT_HEIGHT;
        let step = frame.y_ticks.get(1).copied().unwrap_or(1.0);
        let x_title = match self.x {
            XAxis::Time(_) => "time since start",
            XAxis::Percentile(_) => "percentile (log scale)",
        };
        html! {
            g.axis {
                @for &tick in &frame.y_ticks {
                    @let y = frame.py(tick);
                    path.grid d=(format!("M{} {}H{}", num(frame.left), num(y), num(frame.left + frame.width))) {}
                    text x=(num(frame.left - 6.0)) y=(num(y + 4.0)) text-anchor="end" { (scale::value_label(tick, step)) }
                }
                @for (tick, label) in frame.x_ticks() {
                    @let x = frame.px(tick);
                    path.tick d=(format!("M{} {}v5", num(x), num(bottom))) {}
                    text x=(num(x)) y=(num(bottom + 18.0)) text-anchor="middle" { (label) }
                }
                path.frame d=(format!("M{} {}V{}H{}", num(frame.left), num(frame.top), num(bottom), num(frame.left + frame.width))) {}
                text.axis-title x=(num(frame.left + frame.width / 2.0)) y=(num(bottom + 36.0)) text-anchor="middle" { (x_title) }
                text.axis-title transform=(format!("translate(14 {}) rotate(-90)", num(frame.top + PLOT_HEIGHT / 2.0)))
                    text-anchor="middle" { (self.y_title) }
            }
        }
    }
}

/// Where the legend entries go: wrapped into rows across the plot's width.
struct LegendLayout {
    rows: usize,
    /// The baseline-left of each entry.
    positions: Vec<(f64, f64)>,
}

fn legend_layout(lines: &[Line]) -> LegendLayout {
    let (start, end) = (LEFT, WIDTH - RIGHT);
    let mut positions = Vec::with_capacity(lines.len());
    let (mut x, mut row) = (start, 0usize);
    for line in lines {
        let width = SWATCH + line.name.chars().count() as f64 * CHAR_WIDTH;
        if x > start && x + width > end {
            x = start;
            row += 1;
        }
        positions.push((x, 22.0 + row as f64 * LEGEND_ROW));
        x += width + LEGEND_GAP;
    }
    LegendLayout {
        rows: if lines.is_empty() { 0 } else { row + 1 },
        positions,
    }
}

/// The plot area and its scales.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    x: XAxis,
    y_ticks: Vec<f64>,
    y_max: f64,
}

impl Frame {
    fn new(x: XAxis, y_ticks: Vec<f64>, top: f64) -> Frame {
        let y_max = y_ticks
            .last()
            .copied()
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE);
        Frame {
            left: LEFT,
            top,
            width: WIDTH - LEFT - RIGHT,
            x,
            y_ticks,
            y_max,
        }
    }

    fn x_max(&self) -> f64 {
        match self.x {
            XAxis::Time(end) | XAxis::Percentile(end) => end.max(1.0),
        }
    }

    fn px(&self, x: f64) -> f64 {
        self.left + (x / self.x_max()).clamp(0.0, 1.0) * self.width
    }

    fn py(&self, y: f64) -> f64 {
        self.top + PLOT_HEIGHT - (y / self.y_max).clamp(0.0, 1.0) * PLOT_HEIGHT
    }

    fn x_ticks(&self) -> Vec<(f64, String)> {
        match self.x {
            XAxis::Time(end) => scale::time_ticks(end)
                .into_iter()
                .map(|t| (t, scale::time_label(t, end)))
                .collect(),
            XAxis::Percentile(end) => (0..=end.max(1.0).floor() as usize)
                .map(|n| (n as f64, scale::nines_label(n as f64)))
                .collect(),
        }
    }

    /// An SVG path through the points, broken where a value is missing.
    fn path(&self, points: &[(f64, Option<f64>)]) -> String {
        let mut d = String::with_capacity(points.len() * 12);
        let mut pen_down = false;
        for &(x, y) in points {
            match y.filter(|y| y.is_finite()) {
                Some(y) => {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if pen_down { 'L' } else { 'M' },
                        num(self.px(x)),
                        num(self.py(y))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        d
    }
}

/// A coordinate with at most one decimal, without a trailing `.0`.
fn num(v: f64) -> String {
    let text = format!("{v:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(points: Vec<(f64, Option<f64>)>) -> String {
        Chart {
            title: "Requests per second".into(),
            y_title: "requests/s",
            x: XAxis::Time(60.0),
            lines: vec![Line {
                name: "<all>".into(),
                color: "#222",
                bold: true,
                points,
            }],
            bands: vec![Band {
                from: 0.0,
                to: 10.0,
                label: "warm-up".into(),
                breach: false,
            }],
        }
        .render()
        .into_string()
    }

    #[test]
    fn draws_axes_legend_band_and_breaks_lines_at_gaps() {
        let svg = chart(vec![
            (0.5, Some(10.0)),
            (1.5, None),
            (2.5, Some(20.0)),
            (3.5, Some(5.0)),
        ]);
        assert!(svg.contains("<svg class=\"chart\""), "{svg}");
        assert_eq!(svg.matches("class=\"line\"").count(), 1);
        let d = svg.split("class=\"line\" d=\"").nth(1).unwrap();
        assert_eq!(d.split('"').next().unwrap().matches('M').count(), 2, "{d}");
        assert!(svg.contains(">requests/s</text>"));
        assert!(svg.contains(">time since start</text>"));
        assert!(svg.contains(">30s</text>"));
        assert!(svg.contains(">warm-up</text>"));
        assert!(
            svg.contains(">&lt;all&gt;</text>"),
            "legend text is escaped"
        );
        assert!(!svg.contains("no data"));
    }

    #[test]
    fn says_no_data_when_nothing_was_measured() {
        let svg = chart(vec![(0.5, None)]);
        assert!(svg.contains(">no data</text>"));
        assert!(!svg.contains("class=\"line\""));
    }

    #[test]
    fn legend_wraps_into_rows() {
        let line = |name: &str| Line {
            name: name.into(),
            color: "#000",
            bold: false,
            points: Vec::new(),
        };
        let lines: Vec<Line> = (0..12)
            .map(|i| line(&format!("request-number-{i}")))
            .collect();
        let layout = legend_layout(&lines);
        assert!(layout.rows > 1);
        assert!(layout.positions.iter().all(|(x, _)| *x < WIDTH - RIGHT));
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.04), "-0");
    }
}
