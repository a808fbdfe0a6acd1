// The HTML report: one file with inline CSS, SVG and script, no network access.
//
// Tables, the confusion heat map and the error chart are rendered here, so they
// show without script; every number carries its exact value in `data-v` (what the
// tests compare with the JSON output). The PR and F1 charts are drawn by the
// inline script from embedded data, for the class and area picked, so that 80+
// classes cost one chart rather than hundreds.
//
// COCO and VOC-style reports (deteval voc, deteval dota) share every section; a Spec holds
// what differs: the summary's statistics, the per-class table, the wording of the IoU rule
// and the definitions, and the PR-curve data (COCO: precision at its recall thresholds; VOC:
// the curve after each ranked detection, its envelope and its 11 points).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "deteval/error.hpp"
#include "deteval/formats/report.hpp"
#include "report_parts.hpp"
#include "deteval/version.hpp"

namespace deteval {

namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return html_escape(s); }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string g17(double v) { return std::isfinite(v) ? fmt("%.17g", v) : "NaN"; }
std::string f3(double v) { return v <= -1 || !std::isfinite(v) ? "–" : fmt("%.3f", v); }
std::string signed3(double v) { return !std::isfinite(v) ? "–" : fmt("%+.3f", v); }

// A numeric table cell: shown rounded, exact in data-v.
std::string num_td(double v, const std::string& col, const std::string& shown) {
  return "<td class=num data-col=\"" + col + "\" data-v=\"" + g17(v) + "\">" + shown + "</td>";
}
std::string int_td(std::uint64_t v, const std::string& col) {
  return "<td class=num data-col=\"" + col + "\" data-v=\"" + std::to_string(v) + "\">" + std::to_string(v) + "</td>";
}

// Rounds chart data to what a chart can show, to keep the file small.
double r4(double v) { return std::round(v * 1e4) / 1e4; }
json rounded(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(r4(x));
  return a;
}

// Embedding JSON in <script>: "</" and "<!--" must not appear inside it.
std::string script_safe(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      out += "\\u003c";
      continue;
    }
    out += s[i];
  }
  return out;
}

const char* kCss = R"CSS(
:root{--fg:#111;--muted:#555;--bg:#fff;--line:#ccc;--accent:#0072B2;--soft:#f3f5f8}
*{box-sizing:border-box}
html{font-size:clamp(15px,1.1vw + 8px,20px)}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);line-height:1.45}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.6rem;margin:.4rem 0}
h2{font-size:1.3rem;margin:2rem 0 .6rem;border-bottom:2px solid var(--fg);padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.facts{color:var(--muted);margin:0;padding:0;list-style:none;overflow-wrap:anywhere;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem}
.facts b{color:var(--fg);font-weight:600}
nav{position:sticky;top:0;background:var(--bg);border-bottom:1px solid var(--line);z-index:5}
nav ul{max-width:72rem;margin:0 auto;padding:.4rem 1rem;list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
nav a{color:var(--accent);text-decoration:none;font-weight:600}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
.tall{max-height:min(70vh,34rem);overflow-y:auto;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;margin:.3rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
td.num,th.num{text-align:right}
thead th{position:sticky;top:0;background:var(--soft)}
th[data-sort]{cursor:pointer;user-select:none}
th[data-sort]::after{content:" \2195";color:var(--muted);font-size:.8em}
th[aria-sort=ascending]::after{content:" \2191";color:var(--fg)}
th[aria-sort=descending]::after{content:" \2193";color:var(--fg)}
#classes tbody tr{cursor:pointer}
#classes tbody tr:hover,#classes tbody tr.sel{background:#e6f0fa}
.big td.num{font-size:1.15rem;font-weight:600}
.ci{color:var(--muted);font-weight:400;font-size:.9rem}
.controls{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:center;margin:.5rem 0}
select,input{font:inherit;padding:.3rem .4rem;max-width:100%}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr));gap:1rem}
figure{margin:0}
figcaption{color:var(--muted);font-size:.9rem}
svg.chart{width:100%;height:auto;display:block;background:#fff}
svg text{font-family:inherit}
.note{color:var(--muted);font-size:.92rem}
details{margin:.6rem 0}
summary{cursor:pointer;color:var(--accent);font-weight:600}
footer{color:var(--muted);font-size:.9rem;padding-bottom:2rem}
dt{font-weight:600;margin-top:.4rem}
dd{margin-left:1rem}
@media print{nav{display:none}}
)CSS";

// Captures script errors before anything else runs, so a test (or a reader) can see them.
const char* kErrorHook =
    R"JS(window.__reportErrors=[];window.addEventListener('error',function(e){window.__reportErrors.push(String(e.message));document.documentElement.setAttribute('data-errors',window.__reportErrors.join(' | '));});)JS";

const char* kScript = R"JS(
(function(){
'use strict';
var D=JSON.parse(document.getElementById('report-data').textContent);
var NS='http://www.w3.org/2000/svg';
var COLORS=['#0072B2','#D55E00','#009E73','#CC79A7','#E69F00'];
var DASH=['', '8 4', '2 3', '10 3 2 3', ''];
function el(tag,attrs,parent,text){var e=document.createElementNS(NS,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;if(parent)parent.appendChild(e);return e;}
function ticks(lo,hi,n){var span=hi-lo;if(!(span>0))return [lo];var step=Math.pow(10,Math.floor(Math.log10(span/n)));var err=n/span*step;if(err<=0.15)step*=10;else if(err<=0.35)step*=5;else if(err<=0.75)step*=2;var out=[];for(var v=Math.ceil(lo/step)*step;v<=hi+step*1e-9;v+=step)out.push(Math.abs(v)<step*1e-9?0:v);return out;}
function fmtTick(v){return Math.abs(v)>=1000||(Math.abs(v)<0.01&&v!==0)?v.toExponential(1):String(+v.toFixed(3));}
// A line chart: series = [{name, x:[], y:[]}], marks = [{x, label}] vertical lines, points = [{x,y,label}].
function lineChart(svg,o){
  while(svg.firstChild)svg.removeChild(svg.firstChild);
  var W=640,H=420,L=70,R=18,T=18,B=96;svg.setAttribute('viewBox','0 0 '+W+' '+H);
  var pw=W-L-R,ph=H-T-B,x0=o.xmin,x1=o.xmax;if(!(x1>x0)){x0-=0.5;x1+=0.5;}
  function X(v){return L+(v-x0)/(x1-x0)*pw;} function Y(v){return T+ph-(v-o.ymin)/(o.ymax-o.ymin)*ph;}
  el('title',{},svg,o.title);
  var g=el('g',{'class':'axes'},svg);
  ticks(o.ymin,o.ymax,5).forEach(function(v){el('line',{x1:L,x2:L+pw,y1:Y(v),y2:Y(v),stroke:'#ddd'},g);el('text',{x:L-8,y:Y(v)+5,'text-anchor':'end','font-size':16,fill:'#333'},g,fmtTick(v));});
  ticks(x0,x1,6).forEach(function(v){el('line',{x1:X(v),x2:X(v),y1:T,y2:T+ph,stroke:'#eee'},g);el('text',{x:X(v),y:T+ph+20,'text-anchor':'middle','font-size':16,fill:'#333'},g,fmtTick(v));});
  el('rect',{x:L,y:T,width:pw,height:ph,fill:'none',stroke:'#333'},g);
  el('text',{x:L+pw/2,y:T+ph+46,'text-anchor':'middle','font-size':17,fill:'#111'},g,o.xlabel);
  el('text',{x:18,y:T+ph/2,'text-anchor':'middle','font-size':17,fill:'#111',transform:'rotate(-90 18 '+(T+ph/2)+')'},g,o.ylabel);
  (o.marks||[]).forEach(function(m){if(m.x<x0||m.x>x1)return;el('line',{x1:X(m.x),x2:X(m.x),y1:T,y2:T+ph,stroke:'#666','stroke-dasharray':'4 4'},svg);el('text',{x:X(m.x)+4,y:T+14,'font-size':13,fill:'#444'},svg,m.label);});
  var drawn=0;
  o.series.forEach(function(s,i){
    var pts=[];for(var j=0;j<s.x.length;j++)if(s.y[j]!==null&&s.y[j]>-1)pts.push(X(s.x[j]).toFixed(1)+','+Y(s.y[j]).toFixed(1));
    if(!pts.length)return;
    var ci=s.ci!==undefined?s.ci:i;
    // A series of samples (dots) gets only a faint line between them.
    var p=el('polyline',{points:pts.join(' '),fill:'none',stroke:COLORS[ci%5],'stroke-width':s.dots?1.5:2.5,'stroke-opacity':s.dots?0.4:1,'stroke-dasharray':DASH[ci%5],'class':'series','data-n':pts.length},svg);
    el('title',{},p,s.name);drawn++;
    if(s.dots)for(var d=0;d<s.x.length;d++)if(s.y[d]!==null&&s.y[d]>-1)el('circle',{cx:X(s.x[d]).toFixed(1),cy:Y(s.y[d]).toFixed(1),r:4.5,fill:COLORS[ci%5],'class':'dot'},svg);
  });
  (o.points||[]).forEach(function(p){el('circle',{cx:X(p.x),cy:Y(p.y),r:6,fill:'none',stroke:'#111','stroke-width':2},svg);el('text',{x:X(p.x)+9,y:Y(p.y)-8,'font-size':13,fill:'#111'},svg,p.label);});
  var lg=el('g',{'class':'legend'},svg),lx=L,ly=H-18;
  o.series.forEach(function(s,i){var ci=s.ci!==undefined?s.ci:i;el('line',{x1:lx,x2:lx+26,y1:ly,y2:ly,stroke:COLORS[ci%5],'stroke-width':3,'stroke-dasharray':DASH[ci%5]},lg);if(s.dots)el('circle',{cx:lx+13,cy:ly,r:4.5,fill:COLORS[ci%5]},lg);var t=el('text',{x:lx+32,y:ly+5,'font-size':16,fill:'#111'},lg,s.name);lx+=44+Math.max(60,s.name.length*8.5);});
  svg.setAttribute('data-series',drawn);
  return drawn;
}
var picker=document.getElementById('class-picker'),areaPicker=document.getElementById('area-picker');
function key(){return picker?picker.value:'all';}
function draw(){
  var k=key(),a=areaPicker?+areaPicker.value:D.area,name=k==='all'?'all classes (mean)':D.names[+k];
  var pr=(D.pr[a]||{})[k]||{},series=[],where=D.areas.length>1?', area '+D.areas[a]:'';
  // A series is precision at D.rec_thrs (an array) or its own points ({x, y}).
  D.series.forEach(function(s,ci){var c=pr[s.key];if(!c)return;series.push(Array.isArray(c)?{name:s.name,x:D.rec_thrs,y:c,dots:s.dots,ci:ci}:{name:s.name,x:c.x,y:c.y,dots:s.dots,ci:ci});});
  var prSvg=document.getElementById('pr-chart');
  lineChart(prSvg,{title:'Precision-recall, '+name+where,xlabel:'Recall',ylabel:'Precision',xmin:0,xmax:1,ymin:0,ymax:1.0,series:series});
  var cap;
  if(!series.length)cap='No ground truth for '+name+(where?' in area '+D.areas[a]:'')+': no curve.';
  else if(D.mode!=='voc')cap='Precision at each recall threshold for '+name+' (area '+D.areas[a]+', maxDets '+D.max_dets+'). Area under a curve = AP at that '+(D.overlap||'IoU')+'.';
  else if(k==='all')cap='Mean over the classes with ground truth of the interpolated precision (101 recall points) and of the 11 points (their mean is the VOC2007 mAP), '+D.f1_scope+'.';
  else cap='Precision and recall after each ranked detection for '+name+' ('+D.f1_scope+'). Area under the interpolated curve = area AP; mean of the 11 points = VOC2007 AP.';
  document.getElementById('pr-caption').textContent=cap;
  var f=D.f1[k],t=D.f1.thresholds,fs=[];
  if(f&&t.length){fs=[{name:'F1',x:t,y:f.f1},{name:'Precision',x:t,y:f.p},{name:'Recall',x:t,y:f.r}];}
  var best=D.best[k],pts=best?[{x:best[0],y:best[1],label:'best F1 '+best[1].toFixed(3)}]:[];
  lineChart(document.getElementById('f1-chart'),{title:'F1 vs score threshold, '+name,xlabel:'Score threshold',ylabel:'F1 / precision / recall',xmin:t.length?t[0]:0,xmax:t.length?t[t.length-1]:1,ymin:0,ymax:1,series:fs,points:pts,marks:[{x:D.score_threshold,label:'threshold '+D.score_threshold}]});
  document.getElementById('f1-caption').textContent='At '+D.f1_scope+': detections with score \u2265 threshold count. '+(best?('Best F1 '+best[1].toFixed(3)+' at score \u2265 '+(+best[0].toPrecision(4))+'.'):'No threshold gives a true positive.');
  var rows=document.querySelectorAll('#classes tbody tr');for(var i=0;i<rows.length;i++)rows[i].classList.toggle('sel',rows[i].getAttribute('data-k')===k);
}
if(picker)picker.addEventListener('change',draw);
if(areaPicker)areaPicker.addEventListener('change',draw);
// Sortable tables: click a header; numbers sort by data-v.
Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(tab){
  var ths=tab.querySelectorAll('thead th');
  Array.prototype.forEach.call(ths,function(th,ci){
    if(!th.hasAttribute('data-sort'))return;
    th.addEventListener('click',function(){
      var cur=th.getAttribute('aria-sort'),asc=cur==='ascending'?false:cur==='descending'?true:th.getAttribute('data-sort')==='text';
      Array.prototype.forEach.call(ths,function(o){o.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var body=tab.tBodies[0],rs=Array.prototype.slice.call(body.rows),num=th.getAttribute('data-sort')==='num';
      rs.sort(function(r1,r2){var a=r1.cells[ci],b=r2.cells[ci],x,y;
        if(num){x=parseFloat(a.getAttribute('data-v'));y=parseFloat(b.getAttribute('data-v'));if(isNaN(x))x=-Infinity;if(isNaN(y))y=-Infinity;}
        else{x=a.textContent.toLowerCase();y=b.textContent.toLowerCase();}
        return (x<y?-1:x>y?1:0)*(asc?1:-1);});
      rs.forEach(function(r){body.appendChild(r);});
    });
  });
});
var filter=document.getElementById('class-filter');
if(filter)filter.addEventListener('input',function(){var q=filter.value.toLowerCase();Array.prototype.forEach.call(document.querySelectorAll('#classes tbody tr'),function(r){r.style.display=r.cells[0].textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
Array.prototype.forEach.call(document.querySelectorAll('#classes tbody tr'),function(r){r.addEventListener('click',function(){if(!picker)return;picker.value=r.getAttribute('data-k');draw();document.getElementById('curves').scrollIntoView({behavior:'smooth'});});});
// A link can pick the class: report.html#class=<index>.
var m=/^#class=(\d+)$/.exec(location.hash);
if(m&&picker&&picker.querySelector('option[value="'+m[1]+'"]'))picker.value=m[1];
draw();
document.documentElement.setAttribute('data-rendered','1');
})();
)JS";

struct Html {
  std::string s;
  Html& operator<<(const std::string& x) { s += x; return *this; }
  Html& operator<<(const char* x) { s += x; return *this; }
};

// The confusion matrix as an SVG heat map, each row coloured by its share of the row's total.
// Returns how many categories were left out: with many classes, those without
// ground truth or detections (an empty row and column) only shrink the rest.
// `extra` = false: a plain K x K matrix (semantic segmentation), no background row / missed column.
std::size_t confusion_svg(Html& h, const ConfusionMatrix& cm, const std::vector<std::string>& names,
                          bool extra = true) {
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < cm.K; ++k) {
    bool any = cm.K <= 20;
    for (std::size_t j = 0; j <= cm.K && !any; ++j) any = cm.at(k, j) || cm.at(j, k);
    if (any) shown.push_back(k);
  }
  if (extra) shown.push_back(cm.K);
  const std::size_t n = shown.size();
  const bool small = n <= 21;
  const double cell = small ? 40 : (cm.K <= 50 ? 16 : 11);
  std::size_t longest = 10;
  for (const auto& s : names) longest = std::max(longest, std::min<std::size_t>(s.size(), 24));
  const double label = static_cast<double>(longest) * (small ? 8.0 : 6.5) + 12;
  const double font = small ? 13 : (cm.K <= 50 ? 10 : 8);
  const double W = label + cell * static_cast<double>(n) + 10, H = label + cell * static_cast<double>(n) + 10;
  auto lab = [&](std::size_t i, bool row) {
    std::string s = i < cm.K ? names[i] : (row ? "background" : "missed");
    return s.size() > 24 ? s.substr(0, 23) + "…" : s;
  };
  h << "<svg class=\"chart heatmap\" id=\"confusion-chart\" role=img viewBox=\"0 0 " << fmt("%.0f", W) << " "
    << fmt("%.0f", H) << "\" style=\"max-width:" << fmt("%.0f", std::max(W, 360.0)) << "px\">"
    << "<title>Confusion matrix: rows ground truth, columns predicted</title>";
  for (std::size_t ci = 0; ci < n; ++ci) {
    const std::size_t c = shown[ci];
    const double x = label + cell * (static_cast<double>(ci) + 0.5), y = label - 6;
    h << "<text font-size=\"" << fmt("%.0f", font) << "\" transform=\"translate(" << fmt("%.1f", x + font / 3) << " "
      << fmt("%.1f", y) << ") rotate(-60)\"" << (c == cm.K ? " font-style=italic" : "") << ">" << esc(lab(c, false))
      << "</text>";
  }
  for (std::size_t ri = 0; ri < n; ++ri) {
    const std::size_t r = shown[ri];
    std::uint64_t total = 0;
    for (std::size_t c = 0; c <= cm.K; ++c) total += cm.at(r, c);
    const double y = label + cell * static_cast<double>(ri);
    h << "<text font-size=\"" << fmt("%.0f", font) << "\" text-anchor=end x=\"" << fmt("%.1f", label - 6) << "\" y=\""
      << fmt("%.1f", y + cell / 2 + font / 3) << "\"" << (r == cm.K ? " font-style=italic" : "") << ">"
      << esc(lab(r, true)) << "</text>";
    for (std::size_t ci = 0; ci < n; ++ci) {
      const std::size_t c = shown[ci];
      const std::uint64_t v = cm.at(r, c);
      const double share = total ? static_cast<double>(v) / static_cast<double>(total) : 0;
      // White to dark blue; the diagonal in green so correct and confused stand apart.
      const bool diag = r == c && r < cm.K;
      const int R0 = diag ? 0 : 0, G0 = diag ? 130 : 70, B0 = diag ? 80 : 160;
      auto mix = [&](int full) { return static_cast<int>(std::lround(255 + (full - 255) * std::sqrt(share))); };
      char color[16];
      std::snprintf(color, sizeof color, "#%02x%02x%02x", mix(R0), mix(G0), mix(B0));
      const double x = label + cell * static_cast<double>(ci);
      h << "<rect class=cm-cell data-r=\"" << std::to_string(r) << "\" data-c=\"" << std::to_string(c) << "\" data-n=\""
        << std::to_string(v) << "\" x=\"" << fmt("%.1f", x) << "\" y=\"" << fmt("%.1f", y) << "\" width=\""
        << fmt("%.1f", cell) << "\" height=\"" << fmt("%.1f", cell) << "\" fill=\"" << color
        << "\" stroke=\"#ddd\" stroke-width=\"0.5\"><title>" << esc(lab(r, true)) << " → " << esc(lab(c, false))
        << ": " << std::to_string(v) << (total ? fmt(" (%.1f%% of the row)", 100 * share) : "") << "</title></rect>";
      if (small && v)
        h << "<text font-size=\"" << fmt("%.0f", font - 1) << "\" text-anchor=middle x=\"" << fmt("%.1f", x + cell / 2)
          << "\" y=\"" << fmt("%.1f", y + cell / 2 + 4) << "\" fill=\"" << (share > 0.35 ? "#fff" : "#111")
          << "\" pointer-events=none>" << std::to_string(v) << "</text>";
    }
  }
  h << "</svg>";
  return cm.K + (extra ? 1 : 0) - n;
}

// ΔAP of each error type as horizontal bars.
void errors_svg(Html& h, const ErrorBreakdown& eb) {
  std::vector<std::pair<std::string, double>> bars;
  for (std::size_t t = 0; t < kErrorTypes; ++t) bars.emplace_back(kErrorNames[t], eb.delta_ap[t]);
  bars.emplace_back("all false positives", eb.delta_ap_false_positives);
  bars.emplace_back("all false negatives", eb.delta_ap_false_negatives);
  double top = 0;
  for (const auto& b : bars) top = std::max(top, b.second);
  if (top <= 0) top = 0.01;
  const double L = 170, W = 640, bar = 26, gap = 10, pw = W - L - 80;
  const double H = 20 + static_cast<double>(bars.size()) * (bar + gap) + 30;
  h << "<svg class=chart id=\"errors-chart\" role=img viewBox=\"0 0 640 " << fmt("%.0f", H)
    << "\"><title>AP gained by fixing each error type</title>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = 14 + static_cast<double>(i) * (bar + gap);
    const double w = std::max(0.0, bars[i].second) / top * pw;
    h << "<text x=\"" << fmt("%.0f", L - 8) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" text-anchor=end font-size=15>" << esc(bars[i].first) << "</text>"
      << "<rect class=err-bar data-v=\"" << g17(bars[i].second) << "\" x=\"" << fmt("%.0f", L) << "\" y=\""
      << fmt("%.1f", y) << "\" width=\"" << fmt("%.1f", std::max(w, 1.0)) << "\" height=\"" << fmt("%.0f", bar)
      << "\" fill=\"" << (i < kErrorTypes ? "#D55E00" : "#0072B2") << "\"><title>" << esc(bars[i].first)
      << ": ΔAP " << signed3(bars[i].second) << "</title></rect>"
      << "<text x=\"" << fmt("%.1f", L + std::max(w, 1.0) + 6) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" font-size=14>" << signed3(bars[i].second) << "</text>";
  }
  h << "<text x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.0f", H - 8)
    << "\" font-size=13 fill=\"#555\">AP gained (absolute) when that error type alone is fixed</text></svg>";
}

// What a headline statistic means, for readers who do not know COCO's names.
std::string describe_stat(const std::string& name, const Evaluation& e) {
  const Params& p = e.params;
  const std::string range = fmt("%.2f", p.iou_thrs.front()) + "–" + fmt("%.2f", p.iou_thrs.back());
  const int md = p.max_dets.back();
  if (p.iou_type == IouType::keypoints) {  // OKS in IoU's place; every statistic at maxDets 20
    if (name == "AP") return "precision averaged over recall and OKS " + range + ", all sizes, 20 detections per image";
    if (name == "AP50" || name == "AP75") return "average precision at OKS 0." + name.substr(2);
    if (name == "AR") return "recall averaged over OKS " + range + ", at most 20 detections per image";
    if (name == "AR50" || name == "AR75") return "recall at OKS 0." + name.substr(2);
  }
  if (name == "AP") return "precision averaged over recall and IoU " + range + ", all sizes";
  if (name == "AP50") return "average precision at IoU 0.50 (PASCAL VOC style)";
  if (name == "AP75") return "average precision at IoU 0.75 (strict localisation)";
  if (name == "APs") return "AP on small objects";
  if (name == "APm") return "AP on medium objects";
  if (name == "APl") return "AP on large objects";
  if (name.rfind("AR", 0) == 0 && name.size() > 2 && std::isdigit(static_cast<unsigned char>(name[2])))
    return "recall averaged over IoU " + range + ", at most " + name.substr(2) + " detections per image";
  if (name == "ARs") return "AR on small objects (" + std::to_string(md) + " detections per image)";
  if (name == "ARm") return "AR on medium objects";
  if (name == "ARl") return "AR on large objects";
  // LVIS (lvis-api's names): frequency groups, and AR keys carrying the per-image cap.
  if (name == "APr") return "AP over rare categories (frequency r)";
  if (name == "APc") return "AP over common categories (frequency c)";
  if (name == "APf") return "AP over frequent categories (frequency f)";
  if (name.size() > 3 && name.rfind("AR", 0) == 0 && name.find('@') != std::string::npos) {
    const std::string n = name.substr(name.find('@') + 1);
    const char c = name[2];
    const std::string size = c == 's' ? "small" : c == 'm' ? "medium" : c == 'l' ? "large" : "";
    return "recall averaged over IoU " + range + (size.empty() ? "" : " on " + size + " objects") + ", at most " + n +
           " detections per image";
  }
  return "";
}

// What differs between a COCO report and a VOC-style one; render() draws the rest alike.
struct Spec {
  const Analysis* a = nullptr;
  std::size_t K = 0;
  bool use_cats = true;
  std::string iou;       // the analysis IoU as shown: "0.50" (COCO), "0.5" (VOC)
  std::string iou_rule;  // "IoU 0.50" or "IoU > 0.5"
  std::string op_scope;  // after iou_rule in the operating-point note: ", area all, maxDets 100" or ""
  struct Stat {
    std::string name;
    double v;
    const Interval* iv;
    std::string meaning;
  };
  std::vector<Stat> stats;
  bool has_ci = false;
  int replicates = 0;
  std::uint64_t seed = 0;
  std::string classes_html;   // the per-class section, or empty
  std::string area_controls;  // the area picker, or empty
  std::string confusion_note, errors_note, errors_ap_col, definitions;  // HTML
  json data;                  // chart data besides the F1 curves
};

// The document's head, the title and the facts under it.
void page_head(Html& h, const std::string& title, const std::vector<std::pair<std::string, std::string>>& facts) {
  h << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
       "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">"
    << "<title>" << esc(title) << "</title><style>" << kCss << "</style><script>" << kErrorHook
    << "</script></head><body>\n";
  h << "<header><h1>" << esc(title) << "</h1><ul class=facts>";
  for (const auto& [k, v] : facts) h << "<li>" << esc(k) << ": <b>" << esc(v) << "</b></li>";
  h << "</ul></header>\n";
}

std::string render(const ReportInput& in, const Spec& s) {
  const Analysis& a = *s.a;
  const std::vector<std::string>& names = in.names;
  const std::size_t K = s.K;
  const std::string thr = fmt("%g", a.options.score_threshold);

  Html h;
  page_head(h, in.title, in.facts);
  h << "<nav><ul><li><a href=\"#summary\">Summary</a></li>"
    << (s.classes_html.empty() ? "" : "<li><a href=\"#classes\">Classes</a></li>")
    << "<li><a href=\"#curves\">Curves</a></li><li><a href=\"#operating\">Operating point</a></li>"
       "<li><a href=\"#confusion\">Confusion</a></li><li><a href=\"#errors\">Errors</a></li>"
       "<li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n<main>\n";

  // ---- summary
  h << "<section id=summary><h2>Summary</h2><div class=scroll><table class=big><thead><tr><th>Statistic</th>"
       "<th class=num>Value</th>"
    << (s.has_ci ? "<th class=num>95% interval</th>" : "") << "<th>Meaning</th></tr></thead><tbody>";
  for (const Spec::Stat& st : s.stats) {
    h << "<tr><th scope=row>" << esc(st.name) << "</th><td class=num data-stat=\"" << esc(st.name) << "\" data-v=\""
      << g17(st.v) << "\">" << f3(st.v) << "</td>";
    if (s.has_ci) {
      if (st.iv)
        h << "<td class=\"num ci\" data-ci=\"" << esc(st.name) << "\" data-lo=\"" << g17(st.iv->lo) << "\" data-hi=\""
          << g17(st.iv->hi) << "\">" << f3(st.iv->lo) << " – " << f3(st.iv->hi) << "</td>";
      else
        h << "<td></td>";
    }
    h << "<td class=ci>" << esc(st.meaning) << "</td></tr>";
  }
  h << "</tbody></table></div>";
  if (s.has_ci)
    h << "<p class=note>95% intervals: percentiles 2.5 and 97.5 of " << std::to_string(s.replicates)
      << " bootstrap resamples of the images (seed " << std::to_string(s.seed)
      << "). Two results whose intervals overlap widely cannot be told apart on this data.</p>";
  h << "</section>\n";

  h << s.classes_html;

  // ---- curves (drawn by the script)
  h << "<section id=curves><h2>Curves</h2><div class=controls>";
  if (s.use_cats && K > 0) {
    std::vector<std::size_t> order(K);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return names[x] < names[y]; });
    h << "<label>Class <select id=class-picker><option value=all selected>All classes (mean)</option>";
    for (std::size_t k : order)
      h << "<option value=\"" << std::to_string(k) << "\">" << esc(names[k]) << "</option>";
    h << "</select></label>";
  }
  h << s.area_controls
    << "</div><noscript><p class=note>The curves are drawn by the report's inline script; "
       "enable JavaScript to see them.</p></noscript><div class=charts>"
       "<figure><svg class=chart id=pr-chart role=img viewBox=\"0 0 640 420\"></svg><figcaption id=pr-caption>"
       "</figcaption></figure><figure><svg class=chart id=f1-chart role=img viewBox=\"0 0 640 420\"></svg>"
       "<figcaption id=f1-caption></figcaption></figure></div></section>\n";

  // ---- operating point
  auto op_row = [&](const char* what, const Counts& c, const std::string& key, double at) {
    h << "<tr data-op=\"" << key << "\"><th scope=row>" << what << "</th>"
      << num_td(at, key + ".threshold", fmt("%.4g", at)) << int_td(c.tp, key + ".tp") << int_td(c.fp, key + ".fp")
      << int_td(c.fn, key + ".fn") << num_td(c.precision, key + ".precision", f3(c.precision))
      << num_td(c.recall, key + ".recall", f3(c.recall)) << num_td(c.f1, key + ".f1", f3(c.f1)) << "</tr>";
  };
  h << "<section id=operating><h2>Operating point</h2><p class=note>All classes together (counts summed over "
       "classes), "
    << esc(s.iou_rule) << s.op_scope
    << ". A detection counts when its score ≥ the threshold.</p><div class=scroll><table><thead><tr><th></th>"
       "<th class=num>Score ≥</th><th class=num>TP</th><th class=num>FP</th><th class=num>FN</th>"
       "<th class=num>Precision</th><th class=num>Recall</th><th class=num>F1</th></tr></thead><tbody>";
  op_row("Chosen threshold", a.overall.at_threshold, "at_threshold", a.options.score_threshold);
  if (a.overall.has_best) op_row("Best F1", a.overall.best, "best_f1", a.overall.best_threshold);
  h << "</tbody></table></div></section>\n";

  // ---- confusion matrix
  h << "<section id=confusion><h2>Confusion matrix</h2><p class=note>" << s.confusion_note << "</p>";
  // The largest confusions first: readable even when the matrix has 80 rows.
  struct Pair { std::size_t r, c; std::uint64_t n; };
  std::vector<Pair> pairs;
  for (std::size_t r = 0; r < K; ++r)
    for (std::size_t c = 0; c < K; ++c)
      if (r != c && a.confusion.at(r, c)) pairs.push_back({r, c, a.confusion.at(r, c)});
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) { return x.n > y.n; });
  if (!pairs.empty()) {
    h << "<h3>Most frequent confusions</h3><div class=scroll><table><thead><tr><th>Ground truth</th><th>Predicted as</th>"
         "<th class=num>Count</th></tr></thead><tbody>";
    for (std::size_t i = 0; i < std::min<std::size_t>(pairs.size(), 10); ++i)
      h << "<tr><td>" << esc(names[pairs[i].r]) << "</td><td>" << esc(names[pairs[i].c]) << "</td>"
        << int_td(pairs[i].n, "confusion") << "</tr>";
    h << "</tbody></table></div>";
  }
  h << "<h3>Heat map</h3><figure><div class=scroll>";
  const std::size_t hidden = confusion_svg(h, a.confusion, names);
  h << "</div><figcaption>" << (hidden ? std::to_string(hidden) + " classes with neither ground truth nor detections "
                                          "are left out. " : std::string()) << "Rows: ground truth (last: detections matching no ground truth). Columns: predicted "
       "class (last: ground truth no detection found). Colour: share of the row; green = correct. "
       "Hover a cell for its count.</figcaption></figure></section>\n";

  // ---- errors
  const ErrorBreakdown& eb = a.errors;
  h << "<section id=errors><h2>Error breakdown</h2><p class=note>" << s.errors_note
    << "<div class=charts><div class=scroll><table><thead><tr><th>Error</th><th class=num>Count</th>"
       "<th class=num>ΔAP</th></tr></thead><tbody>";
  for (std::size_t t = 0; t < kErrorTypes; ++t)
    h << "<tr data-err=\"" << kErrorNames[t] << "\"><th scope=row>" << kErrorNames[t] << "</th>"
      << int_td(eb.count[t], "count") << num_td(eb.delta_ap[t], "delta_ap", signed3(eb.delta_ap[t])) << "</tr>";
  h << "<tr data-err=\"false_positives\"><th scope=row>all false positives</th><td></td>"
    << num_td(eb.delta_ap_false_positives, "delta_ap", signed3(eb.delta_ap_false_positives)) << "</tr>"
    << "<tr data-err=\"false_negatives\"><th scope=row>all false negatives</th><td></td>"
    << num_td(eb.delta_ap_false_negatives, "delta_ap", signed3(eb.delta_ap_false_negatives)) << "</tr>";
  h << "</tbody></table></div><figure>";
  errors_svg(h, eb);
  h << "</figure></div>";
  if (s.use_cats && K > 1) {
    h << "<details><summary>Errors per class</summary><div class=scroll><table class=sortable><thead><tr>"
         "<th data-sort=text>Class</th><th data-sort=num class=num>" << s.errors_ap_col << "</th>";
    for (std::size_t t = 0; t < kErrorTypes; ++t) h << "<th data-sort=num class=num>" << kErrorNames[t] << "</th>";
    h << "</tr></thead><tbody>";
    for (std::size_t k = 0; k < K; ++k) {
      const auto& pc = eb.per_category[k];
      h << "<tr><td>" << esc(names[k]) << "</td>" << num_td(pc.ap, "ap", f3(pc.ap));
      for (std::size_t t = 0; t < kErrorTypes; ++t)
        h << "<td class=num data-v=\"" << g17(pc.delta_ap[t]) << "\" title=\"ΔAP " << signed3(pc.delta_ap[t])
          << "\">" << std::to_string(pc.count[t]) << " <span class=ci>(" << signed3(pc.delta_ap[t]) << ")</span></td>";
      h << "</tr>";
    }
    h << "</tbody></table></div><p class=note>Each cell: count (ΔAP of that class). Sorting orders by ΔAP.</p>"
         "</details>";
  }
  h << "</section>\n";

  // ---- definitions
  h << "<footer id=definitions><h2>Definitions</h2><dl>" << s.definitions << "</dl><p>Generated by deteval "
    << version() << ". This file is self-contained: no network access.</p></footer>\n</main>\n";

  // ---- data for the charts
  json data = s.data;
  data["names"] = names;
  data["score_threshold"] = a.options.score_threshold;
  json f1 = {{"thresholds", rounded(a.f1_thresholds)}}, best = json::object();
  auto add_op = [&](const std::string& key, const OperatingPoint& op) {
    f1[key] = {{"p", rounded(op.f1_precision)}, {"r", rounded(op.f1_recall)}, {"f1", rounded(op.f1)}};
    best[key] = op.has_best ? json::array({op.best_threshold, op.best.f1}) : json(nullptr);
  };
  add_op("all", a.overall);
  if (s.use_cats)
    for (std::size_t k = 0; k < K; ++k) add_op(std::to_string(k), a.per_category[k]);
  data["f1"] = f1;
  data["best"] = best;
  h << "<script type=\"application/json\" id=report-data>" << script_safe(data.dump()) << "</script>\n<script>"
    << kScript << "</script>\n</body></html>\n";
  return h.s;
}

// The operating-point cells of a per-class row: shown as "–" where undefined (no detection /
// no GT); data-v keeps the JSON's 0.
std::string op_cells(const OperatingPoint& op) {
  return num_td(op.at_threshold.precision, "precision",
                op.at_threshold.tp + op.at_threshold.fp ? f3(op.at_threshold.precision) : "–") +
         num_td(op.at_threshold.recall, "recall", op.num_gt ? f3(op.at_threshold.recall) : "–") +
         num_td(op.at_threshold.f1, "f1", op.num_gt || op.at_threshold.fp ? f3(op.at_threshold.f1) : "–") +
         num_td(op.has_best ? op.best.f1 : -1, "best_f1", op.has_best ? f3(op.best.f1) : "–") +
         num_td(op.has_best ? op.best_threshold : NAN, "best_threshold",
                op.has_best ? fmt("%.3g", op.best_threshold) : "–");
}
const char* kOpHeads =
    "<th data-sort=num class=num>P</th><th data-sort=num class=num>R</th><th data-sort=num class=num>F1</th>"
    "<th data-sort=num class=num>best F1</th><th data-sort=num class=num>at score</th>";

std::string classes_head(const std::string& note, std::size_t rows) {
  return "<section id=classes><h2>Per class</h2><p class=note>" + note +
         " Click a header to sort, a row to show its curves.</p>"
         "<div class=controls><label>Filter <input id=class-filter type=search placeholder=\"class name\"></label></div>"
         "<div class=\"scroll" + std::string(rows > 15 ? " tall" : "") + "\"><table class=sortable><thead><tr>";
}

// Per group of categories (LVIS: frequency r/c/f): how many, how many with AP, and the
// mean of the per-class figures over those with a value.
std::string group_view(const ReportInput& in, const std::vector<CategoryMetrics>& cats) {
  std::vector<std::string> labels;
  for (const std::string& g : in.category_groups)
    if (std::find(labels.begin(), labels.end(), g) == labels.end()) labels.push_back(g);
  std::sort(labels.begin(), labels.end(), [](const std::string& x, const std::string& y) {
    const std::string order = "rcf";  // LVIS's bins in their order; other labels after, alphabetically
    const auto px = x.size() == 1 ? order.find(x[0]) : std::string::npos, py = y.size() == 1 ? order.find(y[0]) : std::string::npos;
    return px != py ? px < py : x < y;
  });
  Html h;
  h << "<section id=groups><h2>Per " << esc(in.category_group_title) << "</h2><p class=note>Means over the classes "
       "of each group that have a value (classes without ground truth have none).</p><div class=scroll><table "
       "class=sortable><thead><tr><th data-sort=text>" << esc(in.category_group_title)
    << "</th><th data-sort=num class=num>classes</th><th data-sort=num class=num>with AP</th>"
       "<th data-sort=num class=num>mean AP</th><th data-sort=num class=num>mean AP50</th>"
       "<th data-sort=num class=num>mean AR</th></tr></thead><tbody>";
  for (const std::string& g : labels) {
    std::vector<double> ap, ap50, ar;
    std::size_t n = 0;
    for (const CategoryMetrics& c : cats) {
      if (in.category_groups[c.category] != g) continue;
      ++n;
      ap.push_back(c.ap);
      ap50.push_back(c.has_ap50 ? c.ap50 : -1);
      ar.push_back(c.ar);
    }
    const std::size_t with = static_cast<std::size_t>(std::count_if(ap.begin(), ap.end(), [](double v) { return v > -1; }));
    h << "<tr data-group=\"" << esc(g) << "\"><td>" << esc(g) << "</td><td class=num data-v=\"" << std::to_string(n)
      << "\">" << std::to_string(n) << "</td><td class=num data-v=\"" << std::to_string(with) << "\">"
      << std::to_string(with) << "</td>" << num_td(mean_valid(ap), "AP", f3(mean_valid(ap)))
      << num_td(mean_valid(ap50), "AP50", f3(mean_valid(ap50))) << num_td(mean_valid(ar), "AR", f3(mean_valid(ar)))
      << "</tr>";
  }
  h << "</tbody></table></div></section>\n";
  return h.s;
}

std::string coco_report(const ReportInput& in) {
  const Evaluation& e = *in.eval;
  const Analysis& a = *in.analysis;
  const std::vector<std::string>& names = in.names;
  Spec s;
  s.a = &a;
  s.K = e.K;
  s.use_cats = e.params.use_cats;
  s.iou = fmt("%.2f", e.params.iou_thrs[a.iou_index]);
  // What "overlap" is: object keypoint similarity for keypoints, IoU otherwise.
  const std::string m = e.params.iou_type == IouType::keypoints ? "OKS" : "IoU";
  s.iou_rule = m + " " + s.iou;
  s.op_scope = ", area " + esc(e.params.area_ranges[a.area].label) + ", maxDets " + std::to_string(a.max_dets);
  const std::string thr = fmt("%g", a.options.score_threshold);
  s.has_ci = a.has_bootstrap;
  s.replicates = a.bootstrap.replicates;
  s.seed = a.bootstrap.seed;
  for (const auto& [name, v] : in.summary) {
    const Interval* iv = !a.has_bootstrap ? nullptr
                         : name == "AP" ? &a.bootstrap.ap
                         : (name == "AP50" && a.bootstrap.has_ap50 ? &a.bootstrap.ap50 : nullptr);
    s.stats.push_back({name, v, iv, describe_stat(name, e)});
  }

  const std::vector<CategoryMetrics> none;
  const std::vector<CategoryMetrics>& cats = in.categories ? *in.categories : none;
  if (!cats.empty()) {
    Html h;
    const bool groups = in.category_groups.size() == e.K;
    const std::string ar_head = "AR" + std::to_string(e.params.max_dets.back());
    if (groups) h << group_view(in, cats);
    h << classes_head("Area all, maxDets " + std::to_string(e.params.max_dets.back()) + ". Operating point at " + m + " " +
                          s.iou + ", score ≥ " + esc(thr) + ".",
                      cats.size())
      << "<th data-sort=text>Class</th><th data-sort=num class=num>ID</th>"
      << (groups ? "<th data-sort=text>" + esc(in.category_group_title) + "</th>" : std::string())
      << "<th data-sort=num class=num>GT</th><th data-sort=num class=num>Det</th><th data-sort=num class=num>AP</th>"
         "<th data-sort=num class=num>AP50</th><th data-sort=num class=num>AP75</th><th data-sort=num class=num>"
      << ar_head << "</th>" << kOpHeads << "</tr></thead><tbody>";
    for (const CategoryMetrics& c : cats) {
      const OperatingPoint& op = a.per_category[c.category];
      h << "<tr data-k=\"" << std::to_string(c.category) << "\"><td>" << esc(names[c.category]) << "</td>"
        << "<td class=num data-col=\"id\" data-v=\"" << std::to_string(c.id) << "\">" << std::to_string(c.id) << "</td>"
        << (groups ? "<td data-col=\"group\">" + esc(in.category_groups[c.category]) + "</td>" : std::string())
        << int_td(op.num_gt, "num_gt")
        << int_td(op.num_dt, "num_dt") << num_td(c.ap, "AP", f3(c.ap))
        << num_td(c.has_ap50 ? c.ap50 : -1, "AP50", c.has_ap50 ? f3(c.ap50) : "n/a")
        << num_td(c.has_ap75 ? c.ap75 : -1, "AP75", c.has_ap75 ? f3(c.ap75) : "n/a") << num_td(c.ar, ar_head, f3(c.ar))
        << op_cells(op) << "</tr>";
    }
    h << "</tbody></table></div></section>\n";
    s.classes_html = std::move(h.s);
  }

  {
    Html h;
    h << "<label>Area <select id=area-picker>";
    for (std::size_t i = 0; i < e.A; ++i)
      h << "<option value=\"" << std::to_string(i) << "\"" << (i == a.area ? " selected" : "") << ">"
        << esc(e.params.area_ranges[i].label) << "</option>";
    h << "</select></label>";
    s.area_controls = std::move(h.s);
  }

  s.confusion_note = "COCO matching at " + m + " " + s.iou + ", score ≥ " + esc(thr) +
                     ". A detection matched in its own class lands on the diagonal; an unmatched one counts "
                     "against the ground truth of another class it overlaps most (" + m + " ≥ " +
                     s.iou + ", not found by its own class), else in <i>background</i>. Ground truth left over is "
                     "<i>missed</i>.";
  s.errors_note = "In the spirit of TIDE, at " + m + " " + s.iou + " over all kept detections (AP at " + m + " " +
                  s.iou + " = " +
                  f3(a.errors.ap) +
                  "). ΔAP is the AP gained by fixing only that type of error; see <a href=\"#definitions\">"
                  "definitions</a>.</p>";
  s.errors_ap_col = "AP@" + s.iou;
  s.definitions =
      "<dt>Matching</dt><dd>pycocotools' COCOeval: per image and class, detections in score order take the unmatched "
      "ground truth with the highest " + m + " ≥ the threshold; crowd regions and out-of-range areas are ignored" +
      (m == "OKS" ? std::string(", and so are persons without labelled keypoints (num_keypoints 0)") : std::string()) +
      ".</dd>"
      "<dt>Operating point</dt><dd>Detections with score ≥ the threshold; precision = TP/(TP+FP), recall = TP/GT, "
      "F1 = 2PR/(P+R), each 0 when undefined.</dd>"
      "<dt>Errors</dt><dd>Each false positive gets the first type that applies, with <i>same</i>/<i>other</i> = its "
      "highest " + m + " with ground truth of its own/other classes and b = " +
      fmt("%g", a.options.background_iou) +
      ": <b>localization</b> b ≤ same &lt; t; <b>classification</b> other ≥ t; <b>duplicate</b> same ≥ t "
      "(already matched by a higher-scoring detection); <b>background</b> same and other &lt; b; <b>both</b> "
      "b ≤ other &lt; t. <b>missed</b>: ground truth never matched and not the target of a localization or "
      "classification error. ΔAP: localization/classification errors become the true positive of their target if "
      "it was never matched (else are removed), other false positives are removed, missed ground truth is "
      "removed from the count.</dd>"
      "<dt>Bootstrap</dt><dd>Images drawn with replacement (xoshiro256**), AP re-accumulated from the same "
      "matches; interval = percentiles 2.5 and 97.5.</dd>";

  json& data = s.data;
  data["mode"] = "coco";
  json areas = json::array();
  for (const auto& ar : e.params.area_ranges) areas.push_back(ar.label);
  data["areas"] = areas;
  data["area"] = a.area;
  data["rec_thrs"] = e.params.rec_thrs;
  data["max_dets"] = e.params.max_dets.back();
  data["f1_scope"] = m + " " + s.iou + ", area all";
  data["overlap"] = m;
  json series = json::array(), pr = json::array();
  for (std::size_t i = 0; i < e.A; ++i) pr.push_back(json::object());
  for (const PrCurve& c : a.curves) {
    bool known = false;
    for (const json& x : series) known |= x["key"] == c.iou;
    if (!known) series.push_back({{"key", c.iou}, {"name", m + " " + c.iou}});
    const std::string key = c.category == PrCurve::kOverall ? "all" : std::to_string(c.category);
    pr[c.area][key][c.iou] = rounded(c.precision);
  }
  data["series"] = series;
  data["pr"] = pr;
  return render(in, s);
}

// ---- VOC-style (deteval voc, deteval dota) ----------------------------------------

json xy(const std::vector<double>& x, const std::vector<double>& y) { return {{"x", rounded(x)}, {"y", rounded(y)}}; }

// numpy.arange(0., 1.1, 0.1) as voc_ap_11point uses it.
double voc_t(int k) { return k * 0.1; }

// Highest precision at recall >= t (0 without any), as voc_ap_11point takes it.
double interpolated(const VocClassResult& c, double t) {
  double p = 0.;
  bool any = false;
  for (std::size_t i = 0; i < c.recall.size(); ++i)
    if (c.recall[i] >= t) {
      p = any ? std::max(p, c.precision[i]) : c.precision[i];
      any = true;
    }
  return p;
}

// The chart series of one class with ground truth: its curve (only the corners of its saw
// teeth: the same polyline), the envelope whose area is the area AP, and the 11 points.
json voc_class_series(const VocClassResult& c) {
  const std::size_t n = c.recall.size();
  std::vector<double> rx, ry;
  for (std::size_t i = 0; i < n; ++i)
    if (i == 0 || i + 1 == n || c.recall[i] != c.recall[i - 1] || c.recall[i + 1] != c.recall[i]) {
      rx.push_back(c.recall[i]);
      ry.push_back(c.precision[i]);
    }
  // voc_ap_area's mrec/mpre: [0, rec..., 1], [0, prec..., 0], then the running maximum from the right.
  std::vector<double> mrec{0.}, mpre{0.};
  mrec.insert(mrec.end(), c.recall.begin(), c.recall.end());
  mpre.insert(mpre.end(), c.precision.begin(), c.precision.end());
  mrec.push_back(1.);
  mpre.push_back(0.);
  for (std::size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  std::vector<double> ex, ey;
  for (std::size_t i = 0; i + 1 < mrec.size(); ++i)
    if (mrec[i + 1] != mrec[i]) {  // the area AP adds (mrec[i+1] - mrec[i]) * mpre[i+1]
      ex.push_back(mrec[i]);
      ey.push_back(mpre[i + 1]);
      ex.push_back(mrec[i + 1]);
      ey.push_back(mpre[i + 1]);
    }
  std::vector<double> px, py;
  for (int k = 0; k <= 10; ++k) {
    px.push_back(voc_t(k));
    py.push_back(interpolated(c, voc_t(k)));
  }
  json out = {{"interp", xy(ex, ey)}, {"p11", xy(px, py)}};
  if (!rx.empty()) out["raw"] = xy(rx, ry);
  return out;
}

std::string voc_report(const ReportInput& in) {
  const VocResult& r = *in.voc;
  const VocAnalysis& va = *in.voc_analysis;
  const Analysis& a = va.analysis;
  const std::vector<std::string>& names = in.names;
  const std::size_t K = r.classes.size();
  Spec s;
  s.a = &a;
  s.K = K;
  s.iou = fmt("%g", r.iou_threshold);
  s.iou_rule = "IoU > " + s.iou;
  const std::string thr = fmt("%g", a.options.score_threshold);
  const std::string n_map = std::to_string(r.num_map_classes) + " class" + (r.num_map_classes == 1 ? "" : "es");
  s.has_ci = va.has_bootstrap;
  s.replicates = va.bootstrap.replicates;
  s.seed = va.bootstrap.seed;
  for (const auto& [name, v] : in.summary) {
    const Interval* iv = !va.has_bootstrap ? nullptr
                         : name == "mAP_voc07" ? &va.bootstrap.map_voc07
                         : name == "mAP_area" ? &va.bootstrap.map_area
                                              : nullptr;
    std::string meaning;
    if (name == "mAP_voc07")
      meaning = "mean over the " + n_map + " with ground truth of the 11-point AP (VOC2007)";
    else if (name == "mAP_area")
      meaning = "mean over the " + n_map + " with ground truth of the area AP (VOC2010+)";
    s.stats.push_back({name, v, iv, meaning});
  }

  if (K > 0) {
    Html h;
    h << classes_head("Matching at IoU > " + s.iou + "; ignored = detections on difficult objects (neither TP nor "
                      "FP). Operating point at score ≥ " + esc(thr) + ".",
                      K)
      << "<th data-sort=text>Class</th><th data-sort=num class=num>GT (npos)</th><th data-sort=num class=num>Det</th>"
         "<th data-sort=num class=num>TP</th><th data-sort=num class=num>FP</th>"
         "<th data-sort=num class=num>ignored</th><th data-sort=num class=num>AP 11-point</th>"
         "<th data-sort=num class=num>AP area</th>"
      << kOpHeads << "</tr></thead><tbody>";
    for (std::size_t k = 0; k < K; ++k) {
      const VocClassResult& c = r.classes[k];
      const bool gt = c.npos > 0;
      // data-v holds what --json holds: ap_voc07 0 and ap_area NaN (null) or 0 without ground truth.
      h << "<tr data-k=\"" << std::to_string(k) << "\"><td>" << esc(names[k]) << "</td>" << int_td(c.npos, "npos")
        << int_td(c.num_detections, "num_detections") << int_td(c.tp, "tp") << int_td(c.fp, "fp")
        << int_td(c.ignored, "ignored") << num_td(c.ap_voc07, "ap_voc07", gt ? f3(c.ap_voc07) : "–")
        << num_td(c.ap_area, "ap_area", gt ? f3(c.ap_area) : "–") << op_cells(a.per_category[k]) << "</tr>";
    }
    h << "</tbody></table></div></section>\n";
    s.classes_html = std::move(h.s);
  }

  const std::string matching =
      in.voc_matching.empty() ? std::string("the VOC devkit's voc_eval.py, with the +1 pixel box IoU")
                              : in.voc_matching;
  s.confusion_note = "VOC matching at IoU &gt; " + s.iou + ", score ≥ " + esc(thr) +
                     ". A true positive lands on the diagonal; a false positive counts against the non-difficult "
                     "ground truth of another class it overlaps most (IoU &gt; " +
                     s.iou + ", not found by its own class), else in <i>background</i>. Ground truth left over is "
                     "<i>missed</i>. Difficult objects and the detections VOC ignores on them are not counted.";
  s.errors_note = "In the spirit of TIDE, at IoU &gt; " + s.iou +
                  " over all detections that VOC does not ignore (mAP, area = " + f3(a.errors.ap) +
                  "). ΔAP is the area mAP gained by fixing only that type of error; see <a href=\"#definitions\">"
                  "definitions</a>.</p>";
  s.errors_ap_col = "AP area";
  const std::string b = fmt("%g", a.options.background_iou);
  s.definitions =
      "<dt>Matching</dt><dd>As " + esc(matching) +
      ": per class, detections in descending score order take the object of their image with the highest IoU "
      "(difficult ones included) when it is &gt; the threshold: a difficult object makes the detection "
      "<i>ignored</i> (neither TP nor FP), an object already taken makes it a false positive (duplicate, no "
      "fall-back), else it is a true positive. Recall = TP/npos (non-difficult objects), precision = TP/(TP+FP) "
      "after each ranked detection.</dd>"
      "<dt>AP</dt><dd>11-point (VOC2007): mean over recall t = 0, 0.1, …, 1 of the highest precision at recall ≥ t. "
      "Area (VOC2010+): the area under the precision envelope. mAP: the mean over the classes with npos &gt; 0.</dd>"
      "<dt>Operating point</dt><dd>Detections (not ignored) with score ≥ the threshold; precision = TP/(TP+FP), "
      "recall = TP/npos, F1 = 2PR/(P+R), each 0 when undefined.</dd>"
      "<dt>Errors</dt><dd>Each false positive gets the first type that applies, with <i>same</i> = VOC's highest IoU "
      "with an object of its class, <i>other</i> = its highest IoU with an object of another class (difficult "
      "objects included in both) and b = " + b +
      ": <b>localization</b> b ≤ same ≤ t; <b>classification</b> other &gt; t; <b>duplicate</b> same &gt; t "
      "(the object was taken by a higher-scoring detection); <b>background</b> same and other &lt; b; <b>both</b> "
      "b ≤ other ≤ t. <b>missed</b>: non-difficult objects never matched and not the target of a localization or "
      "classification error. ΔAP (area mAP): localization/classification errors become the true positive of their "
      "target if it is non-difficult and was never matched (else are removed: VOC would ignore them on a difficult "
      "object), other false positives are removed, missed objects are removed from npos.</dd>"
      "<dt>Bootstrap</dt><dd>Images drawn with replacement (xoshiro256**); a drawn image's detections and objects "
      "count as often as drawn; both APs recomputed per class from the same decisions; interval = percentiles 2.5 "
      "and 97.5.</dd>";

  json& data = s.data;
  data["mode"] = "voc";
  data["areas"] = json::array({"all"});
  data["area"] = 0;
  data["rec_thrs"] = json::array();
  data["f1_scope"] = "IoU > " + s.iou;
  data["series"] = json::array({json{{"key", "raw"}, {"name", "Precision"}},
                                json{{"key", "interp"}, {"name", "Interpolated (area AP)"}},
                                json{{"key", "p11"}, {"name", "11-point (VOC2007 AP)"}, {"dots", true}}});
  json curves = json::object();
  // "All classes": the means over the classes with ground truth of the envelope (at 101 recall
  // points) and of the 11 points (whose mean is the VOC2007 mAP).
  std::vector<double> gx, gy(101, 0.), px, py(11, 0.);
  for (int i = 0; i <= 100; ++i) gx.push_back(i / 100.0);
  for (int k = 0; k <= 10; ++k) px.push_back(voc_t(k));
  std::size_t with_gt = 0;
  for (std::size_t k = 0; k < K; ++k) {
    const VocClassResult& c = r.classes[k];
    if (c.npos == 0) continue;
    ++with_gt;
    curves[std::to_string(k)] = voc_class_series(c);
    for (int i = 0; i <= 100; ++i) gy[i] += interpolated(c, gx[i]);
    for (int j = 0; j <= 10; ++j) py[j] += interpolated(c, voc_t(j));
  }
  if (with_gt) {
    for (double& v : gy) v /= static_cast<double>(with_gt);
    for (double& v : py) v /= static_cast<double>(with_gt);
    curves["all"] = {{"interp", xy(gx, gy)}, {"p11", xy(px, py)}};
  }
  data["pr"] = json::array({curves});
  return render(in, s);
}

}  // namespace

namespace detail {
const char* report_css() { return kCss; }
std::string report_num_td(double v, const std::string& col, const std::string& shown) { return num_td(v, col, shown); }
std::string report_int_td(std::uint64_t v, const std::string& col) { return int_td(v, col); }
std::string report_g17(double v) { return g17(v); }
}  // namespace detail

std::string report_html(const ReportInput& in) {
  if (in.voc) {
    if (!in.voc_analysis) throw UsageError("report_html: a VOC report needs voc_analysis");
    return voc_report(in);
  }
  if (!in.eval || !in.analysis) throw UsageError("report_html: needs eval and analysis (or voc)");
  return coco_report(in);
}

namespace {

// Per-class scores as horizontal bars on a 0..1 scale (undefined scores: no bar, "–").
void score_bars_svg(Html& h, const std::vector<std::string>& names, const std::vector<double>& v,
                    const std::string& what) {
  const double L = 170, W = 640, bar = 16, gap = 6, pw = W - L - 60;
  const double H = 14 + static_cast<double>(names.size()) * (bar + gap) + 28;
  h << "<svg class=chart id=\"iou-chart\" role=img viewBox=\"0 0 640 " << fmt("%.0f", H) << "\"><title>" << esc(what)
    << " per class</title>";
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double y = 10 + static_cast<double>(i) * (bar + gap);
    const bool defined = std::isfinite(v[i]);
    const double w = defined ? std::clamp(v[i], 0.0, 1.0) * pw : 0;
    h << "<text x=\"" << fmt("%.0f", L - 8) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" text-anchor=end font-size=13>" << esc(names[i]) << "</text>";
    if (defined)
      h << "<rect class=iou-bar data-v=\"" << g17(v[i]) << "\" x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.1f", y)
        << "\" width=\"" << fmt("%.1f", std::max(w, 1.0)) << "\" height=\"" << fmt("%.0f", bar)
        << "\" fill=\"#0072B2\"><title>" << esc(names[i]) << ": " << f3(v[i]) << "</title></rect>";
    h << "<text x=\"" << fmt("%.1f", L + std::max(w, 1.0) + 6) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" font-size=12>" << f3(v[i]) << "</text>";
  }
  h << "<text x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.0f", H - 6) << "\" font-size=12 fill=\"#555\">" << esc(what)
    << " (0 to 1; no bar: undefined)</text></svg>";
}

}  // namespace

std::string semantic_report_html(const SemanticReportInput& in) {
  if (in.scores.empty() || in.scores.front().second.size() != in.classes.size() ||
      in.confusion.size() != in.matrix_names.size() * in.matrix_names.size())
    throw InputError::data("semantic_report_html: scores, classes and the confusion matrix do not agree");
  Html h;
  page_head(h, in.title, in.facts);
  h << "<nav><ul><li><a href=\"#summary\">Summary</a></li><li><a href=\"#classes\">Classes</a></li>"
       "<li><a href=\"#confusion\">Confusion</a></li><li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n"
       "<main>\n<section id=summary><h2>Summary</h2><div class=scroll><table class=big><thead><tr>"
       "<th>Statistic</th><th class=num>Value</th><th>Meaning</th></tr></thead><tbody>";
  for (const auto& st : in.summary)
    h << "<tr><th scope=row>" << esc(st.name) << "</th><td class=num data-stat=\"" << esc(st.name) << "\" data-v=\""
      << g17(st.value) << "\">" << f3(st.value) << "</td><td class=ci>" << esc(st.meaning) << "</td></tr>";
  h << "</tbody></table></div></section>\n";

  h << "<section id=classes><h2>Per class</h2><figure>";
  score_bars_svg(h, in.classes, in.scores.front().second, in.scores.front().first);
  h << "</figure><div class=\"scroll" << (in.classes.size() > 15 ? " tall" : "")
    << "\"><table class=sortable><thead><tr><th>Class</th>";
  for (const auto& [name, v] : in.scores) h << "<th class=num>" << esc(name) << "</th>";
  h << "</tr></thead><tbody>";
  for (std::size_t k = 0; k < in.classes.size(); ++k) {
    h << "<tr><td>" << esc(in.classes[k]) << "</td>";
    for (const auto& [name, v] : in.scores) h << num_td(v[k], name, f3(v[k]));
    h << "</tr>";
  }
  h << "</tbody></table></div></section>\n";

  ConfusionMatrix cm;  // the heat map's layout: (K+1) x (K+1), last row and column unused here
  cm.K = in.matrix_names.size();
  cm.counts.assign((cm.K + 1) * (cm.K + 1), 0);
  for (std::size_t g = 0; g < cm.K; ++g)
    for (std::size_t p = 0; p < cm.K; ++p) cm.counts[g * (cm.K + 1) + p] = in.confusion[g * cm.K + p];
  h << "<section id=confusion><h2>Confusion matrix</h2><p class=note>Pixels, rows: ground truth, columns: "
       "predicted.</p><figure><div class=scroll>";
  const std::size_t hidden = confusion_svg(h, cm, in.matrix_names, false);
  h << "</div><figcaption>" << (hidden ? std::to_string(hidden) + " classes with neither ground truth nor predicted "
                                          "pixels are left out. " : std::string())
    << "Colour: share of the row; green = correct. Hover a cell for its count.</figcaption></figure></section>\n";

  h << "<footer id=definitions><h2>Definitions</h2><dl>" << in.definitions << "</dl><p>Generated by deteval "
    << version() << ". This file is self-contained: no network access.</p></footer>\n</main>\n</body></html>\n";
  return h.s;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace deteval
