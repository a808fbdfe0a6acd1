// The HTML report: one file with inline CSS, SVG and script, no network access.
//
// Tables, the confusion heat map and the error chart are rendered here, so they
// show without script; every number carries its exact value in `data-v` (what the
// tests compare with the JSON output). The PR and F1 charts are drawn by the
// inline script from embedded data, for the class and area picked, so that 80+
// classes cost one chart rather than hundreds.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "deteval/formats/report.hpp"
#include "deteval/version.hpp"

namespace deteval {

namespace {

using nlohmann::json;

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
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
    var p=el('polyline',{points:pts.join(' '),fill:'none',stroke:COLORS[i%5],'stroke-width':2.5,'stroke-dasharray':DASH[i%5],'class':'series','data-n':pts.length},svg);
    el('title',{},p,s.name);drawn++;
  });
  (o.points||[]).forEach(function(p){el('circle',{cx:X(p.x),cy:Y(p.y),r:6,fill:'none',stroke:'#111','stroke-width':2},svg);el('text',{x:X(p.x)+9,y:Y(p.y)-8,'font-size':13,fill:'#111'},svg,p.label);});
  var lg=el('g',{'class':'legend'},svg),lx=L,ly=H-18;
  o.series.forEach(function(s,i){el('line',{x1:lx,x2:lx+26,y1:ly,y2:ly,stroke:COLORS[i%5],'stroke-width':3,'stroke-dasharray':DASH[i%5]},lg);var t=el('text',{x:lx+32,y:ly+5,'font-size':16,fill:'#111'},lg,s.name);lx+=44+Math.max(60,s.name.length*8.5);});
  svg.setAttribute('data-series',drawn);
  return drawn;
}
var picker=document.getElementById('class-picker'),areaPicker=document.getElementById('area-picker');
function key(){return picker?picker.value:'all';}
function draw(){
  var k=key(),a=areaPicker?+areaPicker.value:D.area,name=k==='all'?'all classes (mean)':D.names[+k];
  var pr=(D.pr[a]||{})[k]||{},series=[];
  D.ious.forEach(function(iou){if(pr[iou])series.push({name:'IoU '+iou,x:D.rec_thrs,y:pr[iou]});});
  var prSvg=document.getElementById('pr-chart');
  lineChart(prSvg,{title:'Precision-recall, '+name+', area '+D.areas[a],xlabel:'Recall',ylabel:'Precision',xmin:0,xmax:1,ymin:0,ymax:1.0,series:series});
  document.getElementById('pr-caption').textContent=series.length?('Precision at each recall threshold for '+name+' (area '+D.areas[a]+', maxDets '+D.max_dets+'). Area under a curve = AP at that IoU.'):('No ground truth for '+name+' in area '+D.areas[a]+': no curve.');
  var f=D.f1[k],t=D.f1.thresholds,fs=[];
  if(f&&t.length){fs=[{name:'F1',x:t,y:f.f1},{name:'Precision',x:t,y:f.p},{name:'Recall',x:t,y:f.r}];}
  var best=D.best[k],pts=best?[{x:best[0],y:best[1],label:'best F1 '+best[1].toFixed(3)}]:[];
  lineChart(document.getElementById('f1-chart'),{title:'F1 vs score threshold, '+name,xlabel:'Score threshold',ylabel:'F1 / precision / recall',xmin:t.length?t[0]:0,xmax:t.length?t[t.length-1]:1,ymin:0,ymax:1,series:fs,points:pts,marks:[{x:D.score_threshold,label:'threshold '+D.score_threshold}]});
  document.getElementById('f1-caption').textContent='At IoU '+D.iou+', area all: detections with score \u2265 threshold count. '+(best?('Best F1 '+best[1].toFixed(3)+' at score \u2265 '+(+best[0].toPrecision(4))+'.'):'No threshold gives a true positive.');
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
std::size_t confusion_svg(Html& h, const ConfusionMatrix& cm, const std::vector<std::string>& names) {
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < cm.K; ++k) {
    bool any = cm.K <= 20;
    for (std::size_t j = 0; j <= cm.K && !any; ++j) any = cm.at(k, j) || cm.at(j, k);
    if (any) shown.push_back(k);
  }
  shown.push_back(cm.K);
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
  return cm.K + 1 - n;
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
  return "";
}

}  // namespace

std::string report_html(const ReportInput& in) {
  const Evaluation& e = *in.eval;
  const Analysis& a = *in.analysis;
  const std::vector<std::string>& names = in.names;
  const std::size_t K = e.K;
  const bool use_cats = e.params.use_cats;
  const std::string iou = fmt("%.2f", e.params.iou_thrs[a.iou_index]);
  const std::string thr = fmt("%g", a.options.score_threshold);
  const std::vector<CategoryMetrics> none;
  const std::vector<CategoryMetrics>& cats = in.categories ? *in.categories : none;

  Html h;
  h << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
       "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">"
    << "<title>" << esc(in.title) << "</title><style>" << kCss << "</style><script>" << kErrorHook
    << "</script></head><body>\n";
  h << "<header><h1>" << esc(in.title) << "</h1><ul class=facts>";
  for (const auto& [k, v] : in.facts) h << "<li>" << esc(k) << ": <b>" << esc(v) << "</b></li>";
  h << "</ul></header>\n<nav><ul><li><a href=\"#summary\">Summary</a></li>"
    << (cats.empty() ? "" : "<li><a href=\"#classes\">Classes</a></li>")
    << "<li><a href=\"#curves\">Curves</a></li><li><a href=\"#operating\">Operating point</a></li>"
       "<li><a href=\"#confusion\">Confusion</a></li><li><a href=\"#errors\">Errors</a></li>"
       "<li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n<main>\n";

  // ---- summary
  h << "<section id=summary><h2>Summary</h2><div class=scroll><table class=big><thead><tr><th>Statistic</th>"
       "<th class=num>Value</th>"
    << (a.has_bootstrap ? "<th class=num>95% interval</th>" : "") << "<th>Meaning</th></tr></thead><tbody>";
  for (const auto& [name, v] : in.summary) {
    h << "<tr><th scope=row>" << esc(name) << "</th><td class=num data-stat=\"" << esc(name) << "\" data-v=\"" << g17(v)
      << "\">" << f3(v) << "</td>";
    if (a.has_bootstrap) {
      const Interval* iv = name == "AP" ? &a.bootstrap.ap : (name == "AP50" && a.bootstrap.has_ap50 ? &a.bootstrap.ap50 : nullptr);
      if (iv)
        h << "<td class=\"num ci\" data-ci=\"" << esc(name) << "\" data-lo=\"" << g17(iv->lo) << "\" data-hi=\""
          << g17(iv->hi) << "\">" << f3(iv->lo) << " – " << f3(iv->hi) << "</td>";
      else
        h << "<td></td>";
    }
    h << "<td class=ci>" << esc(describe_stat(name, e)) << "</td></tr>";
  }
  h << "</tbody></table></div>";
  if (a.has_bootstrap)
    h << "<p class=note>95% intervals: percentiles 2.5 and 97.5 of " << std::to_string(a.bootstrap.replicates)
      << " bootstrap resamples of the images (seed " << std::to_string(a.bootstrap.seed)
      << "). Two results whose intervals overlap widely cannot be told apart on this data.</p>";
  h << "</section>\n";

  // ---- per-class table
  if (!cats.empty()) {
    h << "<section id=classes><h2>Per class</h2><p class=note>Area all, maxDets "
      << std::to_string(e.params.max_dets.back()) << ". Operating point at IoU " << iou << ", score ≥ " << esc(thr)
      << ". Click a header to sort, a row to show its curves.</p>"
      << "<div class=controls><label>Filter <input id=class-filter type=search placeholder=\"class name\"></label></div>"
      << "<div class=\"scroll" << (cats.size() > 15 ? " tall" : "")
      << "\"><table class=sortable><thead><tr><th data-sort=text>Class</th><th data-sort=num class=num>ID</th>"
         "<th data-sort=num class=num>GT</th><th data-sort=num class=num>Det</th><th data-sort=num class=num>AP</th>"
         "<th data-sort=num class=num>AP50</th><th data-sort=num class=num>AP75</th><th data-sort=num class=num>AR100</th>"
         "<th data-sort=num class=num>P</th><th data-sort=num class=num>R</th><th data-sort=num class=num>F1</th>"
         "<th data-sort=num class=num>best F1</th><th data-sort=num class=num>at score</th></tr></thead><tbody>";
    for (const CategoryMetrics& c : cats) {
      const OperatingPoint& op = a.per_category[c.category];
      h << "<tr data-k=\"" << std::to_string(c.category) << "\"><td>" << esc(names[c.category]) << "</td>"
        << "<td class=num data-col=\"id\" data-v=\"" << std::to_string(c.id) << "\">" << std::to_string(c.id) << "</td>"
        << int_td(op.num_gt, "num_gt")
        << int_td(op.num_dt, "num_dt") << num_td(c.ap, "AP", f3(c.ap))
        << num_td(c.has_ap50 ? c.ap50 : -1, "AP50", c.has_ap50 ? f3(c.ap50) : "n/a")
        << num_td(c.has_ap75 ? c.ap75 : -1, "AP75", c.has_ap75 ? f3(c.ap75) : "n/a") << num_td(c.ar, "AR100", f3(c.ar))
        // Shown as "–" where undefined (no detection / no GT); data-v keeps the JSON's 0.
        << num_td(op.at_threshold.precision, "precision",
                  op.at_threshold.tp + op.at_threshold.fp ? f3(op.at_threshold.precision) : "–")
        << num_td(op.at_threshold.recall, "recall", op.num_gt ? f3(op.at_threshold.recall) : "–")
        << num_td(op.at_threshold.f1, "f1", op.num_gt || op.at_threshold.fp ? f3(op.at_threshold.f1) : "–")
        << num_td(op.has_best ? op.best.f1 : -1, "best_f1", op.has_best ? f3(op.best.f1) : "–")
        << num_td(op.has_best ? op.best_threshold : NAN, "best_threshold",
                  op.has_best ? fmt("%.3g", op.best_threshold) : "–")
        << "</tr>";
    }
    h << "</tbody></table></div></section>\n";
  }

  // ---- curves (drawn by the script)
  h << "<section id=curves><h2>Curves</h2><div class=controls>";
  if (use_cats && K > 0) {
    std::vector<std::size_t> order(K);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return names[x] < names[y]; });
    h << "<label>Class <select id=class-picker><option value=all selected>All classes (mean)</option>";
    for (std::size_t k : order)
      h << "<option value=\"" << std::to_string(k) << "\">" << esc(names[k]) << "</option>";
    h << "</select></label>";
  }
  h << "<label>Area <select id=area-picker>";
  for (std::size_t i = 0; i < e.A; ++i)
    h << "<option value=\"" << std::to_string(i) << "\"" << (i == a.area ? " selected" : "") << ">"
      << esc(e.params.area_ranges[i].label) << "</option>";
  h << "</select></label></div><noscript><p class=note>The curves are drawn by the report's inline script; "
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
       "classes), IoU "
    << iou << ", area " << esc(e.params.area_ranges[a.area].label) << ", maxDets " << std::to_string(a.max_dets)
    << ". A detection counts when its score ≥ the threshold.</p><div class=scroll><table><thead><tr><th></th>"
       "<th class=num>Score ≥</th><th class=num>TP</th><th class=num>FP</th><th class=num>FN</th>"
       "<th class=num>Precision</th><th class=num>Recall</th><th class=num>F1</th></tr></thead><tbody>";
  op_row("Chosen threshold", a.overall.at_threshold, "at_threshold", a.options.score_threshold);
  if (a.overall.has_best) op_row("Best F1", a.overall.best, "best_f1", a.overall.best_threshold);
  h << "</tbody></table></div></section>\n";

  // ---- confusion matrix
  h << "<section id=confusion><h2>Confusion matrix</h2><p class=note>COCO matching at IoU " << iou << ", score ≥ "
    << esc(thr) << ". A detection matched in its own class lands on the diagonal; an unmatched one counts "
       "against the ground truth of another class it overlaps most (IoU ≥ "
    << iou << ", not found by its own class), else in <i>background</i>. Ground truth left over is <i>missed</i>.</p>";
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
  h << "<section id=errors><h2>Error breakdown</h2><p class=note>In the spirit of TIDE, at IoU " << iou
    << " over all kept detections (AP at IoU " << iou << " = " << f3(eb.ap)
    << "). ΔAP is the AP gained by fixing only that type of error; see <a href=\"#definitions\">definitions</a>.</p>"
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
  if (use_cats && K > 1) {
    h << "<details><summary>Errors per class</summary><div class=scroll><table class=sortable><thead><tr>"
         "<th data-sort=text>Class</th><th data-sort=num class=num>AP@" << iou << "</th>";
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
  h << "<footer id=definitions><h2>Definitions</h2><dl>"
       "<dt>Matching</dt><dd>pycocotools' COCOeval: per image and class, detections in score order take the unmatched "
       "ground truth with the highest IoU ≥ the threshold; crowd regions and out-of-range areas are ignored.</dd>"
       "<dt>Operating point</dt><dd>Detections with score ≥ the threshold; precision = TP/(TP+FP), recall = TP/GT, "
       "F1 = 2PR/(P+R), each 0 when undefined.</dd>"
       "<dt>Errors</dt><dd>Each false positive gets the first type that applies, with <i>same</i>/<i>other</i> = its "
       "highest IoU with ground truth of its own/other classes and b = "
    << fmt("%g", a.options.background_iou)
    << ": <b>localization</b> b ≤ same &lt; t; <b>classification</b> other ≥ t; <b>duplicate</b> same ≥ t "
       "(already matched by a higher-scoring detection); <b>background</b> same and other &lt; b; <b>both</b> "
       "b ≤ other &lt; t. <b>missed</b>: ground truth never matched and not the target of a localization or "
       "classification error. ΔAP: localization/classification errors become the true positive of their target if "
       "it was never matched (else are removed), other false positives are removed, missed ground truth is "
       "removed from the count.</dd>"
       "<dt>Bootstrap</dt><dd>Images drawn with replacement (xoshiro256**), AP re-accumulated from the same "
       "matches; interval = percentiles 2.5 and 97.5.</dd></dl><p>Generated by deteval "
    << version() << ". This file is self-contained: no network access.</p></footer>\n</main>\n";

  // ---- data for the charts
  json data;
  data["names"] = names;
  json areas = json::array();
  for (const auto& ar : e.params.area_ranges) areas.push_back(ar.label);
  data["areas"] = areas;
  data["area"] = a.area;
  data["rec_thrs"] = e.params.rec_thrs;
  data["max_dets"] = e.params.max_dets.back();
  data["iou"] = iou;
  data["score_threshold"] = a.options.score_threshold;
  json ious = json::array(), pr = json::array();
  for (std::size_t i = 0; i < e.A; ++i) pr.push_back(json::object());
  for (const PrCurve& c : a.curves) {
    if (std::find(ious.begin(), ious.end(), c.iou) == ious.end()) ious.push_back(c.iou);
    const std::string key = c.category == PrCurve::kOverall ? "all" : std::to_string(c.category);
    pr[c.area][key][c.iou] = rounded(c.precision);
  }
  data["ious"] = ious;
  data["pr"] = pr;
  json f1 = {{"thresholds", rounded(a.f1_thresholds)}}, best = json::object();
  auto add_op = [&](const std::string& key, const OperatingPoint& op) {
    f1[key] = {{"p", rounded(op.f1_precision)}, {"r", rounded(op.f1_recall)}, {"f1", rounded(op.f1)}};
    best[key] = op.has_best ? json::array({op.best_threshold, op.best.f1}) : json(nullptr);
  };
  add_op("all", a.overall);
  if (use_cats)
    for (std::size_t k = 0; k < K; ++k) add_op(std::to_string(k), a.per_category[k]);
  data["f1"] = f1;
  data["best"] = best;
  h << "<script type=\"application/json\" id=report-data>" << script_safe(data.dump()) << "</script>\n<script>"
    << kScript << "</script>\n</body></html>\n";
  return h.s;
}

}  // namespace deteval
