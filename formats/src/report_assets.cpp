// The reports' inline assets: style sheet, error hook, chart script (report_page.hpp).

#include "report_page.hpp"

namespace deteval::report {

namespace {

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

}  // namespace

const char* css() { return kCss; }
const char* error_hook() { return kErrorHook; }
const char* script() { return kScript; }

}  // namespace deteval::report
