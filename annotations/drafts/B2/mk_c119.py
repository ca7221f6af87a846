import json
def Q(line,text,value,unit=None,bound="=",change=None,item=None,nth=0,note=None):
    d=dict(line=line,type="QUANTITY",text=text,nth=nth,value=value,unit=unit,bound=bound,change=change,item=item)
    if note: d["note"]=note
    return d
def D(line,text,tt,value,nth=0,note=None):
    d=dict(line=line,type="DATE",text=text,nth=nth,timex_type=tt,value=value)
    if note: d["note"]=note
    return d
def A(line,text,can,nth=0,note=None):
    d=dict(line=line,type="AGENCY",text=text,nth=nth,canonical=can)
    if note: d["note"]=note
    return d
def P(line,text,can,kind,nth=0,note=None):
    d=dict(line=line,type="PROGRAMME",text=text,nth=nth,canonical=can,kind=kind)
    if note: d["note"]=note
    return d
ZW="zero-waste-city"
ZWN="'zero-waste city' treated as a designation scheme (cities are listed/designated); quoted name before generic head -> span inside quotes"
m=[
 D(2,"Six years","DURATION","P6Y",note="'Six years on' = how long since launch -> DURATION"),
 P(2,"zero-waste city",ZW,"designation",note=ZWN),
 Q(2,"113",113,item="cities"),
 P(7,"zero-waste cities",ZW,"designation"),
 D(7,"six years","DURATION","P6Y"),
 A(7,"Ministry of Ecology and Environment","ministry-ecology-environment"),
 A(7,"MEE","ministry-ecology-environment",note="parenthetical abbreviation annotated as its own AGENCY mention"),
 D(7,"recently","DATE","PAST_REF"),
 P(7,"14th Five-Year Plan","14th-five-year-plan","plan"),
 D(7,"2021","DATE","2021"),
 D(7,"2025","DATE","2025"),
 Q(7,"3,700",3700,bound=">",item="\"zero-waste city\" projects"),
 P(7,"zero-waste city",ZW,"designation"),
 Q(7,"1 trillion yuan",1e12,unit="CNY",bound=">"),
 A(8,"CPC Central Committee","cpc-central-committee"),
 A(8,"State Council","state-council"),
 D(8,"2018","DATE","2018"),
 P(8,"zero-waste city",ZW,"designation",note="concept use of the programme name still annotated"),
 D(10,"2019","DATE","2019"),
 Q(10,"11",11,item="cities"),
 Q(10,"five",5,item="special areas"),
 D(10,"November 15, 2019","DATE","2019-11-15"),
 P(10,"14th Five-Year Plan","14th-five-year-plan","plan"),
 A(10,"MEE","ministry-ecology-environment"),
 A(10,"National Development and Reform Commission","national-development-reform-commission"),
 Q(10,"100",100,bound="~",item="cities at prefecture level and above"),
 Q(10,"113",113,item="cities"),
 Q(10,"eight",8,item="special regions"),
 P(11,"Opinions on Comprehensively Promoting the Construction of a Beautiful China","opinions-comprehensively-promoting-construction-beautiful-china","policy"),
 D(11,"January this year","DATE","2024-01"),
 P(11,"zero-waste city",ZW,"designation"),
 Q(11,"60 percent",60,unit="%"),
 D(11,"2027","DATE","2027"),
 D(11,"2035","DATE","2035"),
 P(13,"zero-waste cities",ZW,"designation"),
 Q(13,"nine",9,item="districts"),
 A(13,"Chongqing Municipal Ecology and Environment Bureau","chongqing-ecology-environment-bureau"),
 Q(13,"90 percent",90,unit="%",bound=">"),
 D(13,"2025","DATE","2025"),
 D(13,"2027","DATE","2027"),
 D(14,"years","DURATION","PXY",note="'for years' -> bare 'years' DURATION PXY, like 'recent years'"),
 D(14,"October 2018","DATE","2018-10"),
 Q(14,"2,308",2308,item="communities"),
 Q(14,"1.91 million",1910000,item="households"),
 Q(14,"1,462",1462,item="dedicated collection vehicles"),
 P(16,"14th Five-Year Plan","14th-five-year-plan","plan"),
 D(16,"2025","DATE","2025",note="'its final year' is an ordinal position (not a date); only '2025' annotated"),
 P(17,"11+5",'zero-waste-city-11-5-pilots',"project",note="quoted name of the first pilot round ('the \"11+5\" pilots'); annotated as PROGRAMME, its digits not quantities; kept distinct from zero-waste-city"),
 D(17,"the first half of next year","DATE","2025-H1"),
]
lines=[dict(line=0,kind="boilerplate"),dict(line=2,kind="title"),dict(line=4,kind="metadata"),dict(line=5,kind="metadata"),
 dict(line=9,kind="heading"),dict(line=12,kind="heading"),dict(line=15,kind="heading"),
 dict(line=19,kind="metadata"),dict(line=20,kind="boilerplate"),dict(line=21,kind="boilerplate")]
json.dump(dict(doc_id="c119_zero_waste_cities",annotator="B2",published="2024-10-29",lines=lines,mentions=m),open("c119_zero_waste_cities.json","w"),ensure_ascii=False,indent=1)
