"""The chapters of the 城市安全风险白皮书, following the template of risk-methods.md §4.

前言 · 城市概况 · 评估方法 · 风险辨识结果 · 风险评估结果（含四色图）· 重大和较大风险 · 风险防控对策 ·
公众安全指引 · 附录. Every number in the prose is read from :class:`~citysafe.risk.whitepaper.facts.Facts`.
"""

from __future__ import annotations

from citysafe.core.clock import to_local
from citysafe.core.render.document import Cell, Document, cells
from citysafe.risk.calc.levels import LEVELS_ASCENDING
from citysafe.risk.calc.registry import preset_name
from citysafe.risk.enums import CATEGORIES, KINDS, LEVEL_COLOURS, Category, RiskLevel
from citysafe.risk.service import methods as catalogue
from citysafe.risk.whitepaper.facts import LEVELS, Facts
from citysafe.risk.whitepaper.guide import COUNTERMEASURES, GUIDANCE, HOTLINES

_STATISTIC_NAMES = {"mean": "平均值", "sum": "总和"}
MAP_WIDTH_CM = 14.0  # two maps with captions fit on one A4 page
_LIGHT = {RiskLevel.RED: "#f9c9c9", RiskLevel.ORANGE: "#fbdcbc", RiskLevel.YELLOW: "#fbf0b6",
          RiskLevel.BLUE: "#c9dbf7"}
_CONTROL = {RiskLevel.RED: ("市级", "立即采取措施降低风险，市级挂牌督办，落实“一源一策”"),
            RiskLevel.ORANGE: ("区（县）级", "限期采取措施降低风险，区级督导，纳入重点监管"),
            RiskLevel.YELLOW: ("街道（镇）、行业部门", "按 ALARP 原则采取措施，加强日常检查"),
            RiskLevel.BLUE: ("企业（单位）", "执行现有管理制度，定期复核")}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def _level_cell(level: str | None) -> Cell:
    if not level:
        return Cell("未评估", align="center")
    lvl = RiskLevel(level)
    return Cell(f"{lvl.name_zh}", fill=_LIGHT[lvl], align="center", bold=lvl == RiskLevel.RED)


def preface(doc: Document, f: Facts) -> None:
    doc.chapter("前言")
    doc.para(f"为深入贯彻《中共中央办公厅 国务院办公厅关于推进城市安全发展的意见》（中办发〔2018〕1号）和江苏省"
             f"《关于推进城市安全发展的实施意见》（苏办发〔2018〕53号），落实《省级安全发展示范城市创建实施方案》"
             f"“建立城市安全风险信息管理平台，绘制‘红、橙、黄、蓝’四级安全风险空间分布图，编制城市安全风险白皮书”"
             f"的要求，{f.name}组织开展了{f.year}年度城市安全风险辨识评估，编制本白皮书。")
    doc.para("本白皮书依据城市安全风险信息管理平台中的风险源登记、评估和动态监测数据自动编制，覆盖城市工业、"
             "人员密集场所、公共设施和自然灾害四个领域，介绍评估方法、评估结果、四色空间分布、重大和较大风险清单、"
             "风险防控对策和公众安全指引，旨在增进社会各界对城市公共安全风险的认识，为各级政府、行业部门、"
             "企事业单位落实风险分级管控责任提供依据。")
    doc.para(f"城市安全风险每5年开展一次全面辨识评估，每年动态更新；发生重大规划调整、重大事故灾害或重大风险源"
             f"变化时及时补充评估。本白皮书数据截至{f.at:%Y年%-m月%-d日}。", "body")


def overview(doc: Document, f: Facts) -> None:
    doc.chapter("城市概况")
    d = f.divisions
    parts = [f"{f.name}总面积约{f.area_km2:,.0f}平方千米" if f.area_km2 else f"{f.name}"]
    if d.get("district"):
        parts.append(f"辖{d['district']}个区县")
    if d.get("street"):
        parts.append(f"{d['street']}个街道（镇）")
    if d.get("community"):
        parts.append(f"{d['community']}个社区（村）")
    doc.para("，".join(parts) + f"。平台已登记各类生产经营单位和联网单位{f.organisations:,}家，"
             f"登记城市安全风险源{f.summary['total']:,}处。")
    number = doc.next_table()
    doc.para(f"各{f.child_word}的区划与风险源登记情况见表 {number}。")
    rows = []
    for _, label, counts in f.by_division.rows:
        total = sum(counts.values())
        rows.append([Cell(label), Cell(f"{total:,}", align="right"),
                     *[Cell(f"{counts[lvl.value]:,}", align="right") for lvl in LEVELS]])
    doc.table(f"{f.name}各{f.child_word}风险源登记情况", [f.child_word, "风险源（处）",
              *[lvl.name_zh for lvl in LEVELS]], rows, widths=[2.2, 1.4, 1, 1, 1, 1])


def methods(doc: Document, f: Facts) -> None:
    doc.chapter("评估方法")
    doc.section("评估范围与单元")
    doc.para("评估范围为全域，评估对象按“点—类—区域”三个层次组织：以风险源（风险点）为基本评估单元，"
             "按城市工业、人员密集场所、公共设施、自然灾害四个领域及其类型归类，再按区县、街道（镇）和网格汇总为区域风险。"
             "线状（管道、管网、隧道、桥梁）和面状（渣土场、洪涝风险区、断裂带）风险源以其几何上的代表点参与区域汇总。")
    doc.section("风险等级划分")
    number = doc.next_table()
    doc.para(f"风险等级分为重大、较大、一般和低风险四级，分别以红、橙、黄、蓝四色标示，分级管控层级见表 {number}。")
    doc.table("风险等级与管控层级", ["风险等级", "颜色", "管控层级", "管控要求"],
              [[Cell(lvl.name_zh, fill=LEVEL_COLOURS[lvl], bold=True, align="center"),
                Cell(lvl.colour_zh, align="center"), Cell(_CONTROL[lvl][0]), Cell(_CONTROL[lvl][1])]
               for lvl in LEVELS], widths=[1.1, 0.7, 1.6, 4])
    doc.section("评估方法")
    doc.para("各类风险源按其特点选用以下经版本管理的评估方法，每次评估均记录方法、版本、分级预设、输入参数、结果、"
             "评估人和时间，可追溯、可复核：")
    doc.bullets([
        f"作业条件危险性评价法（LEC，版本 {catalogue.LEC_VERSION}）：D = L × E × C，"
        f"L、E、C 取值见表 {doc.next_table()}，"
        f"D 值按分级预设划分四级（表 {doc.next_table() + 1}）；主要用于危险化学品企业和工贸企业。",
        f"风险矩阵法（LS，版本 {catalogue.MATRIX_VERSION}）：按可能性 L（1–5）与后果严重性 S（1–5）查 5×5 矩阵定级"
        f"（表 {doc.next_table() + 2}）；主要用于人员密集场所、公共设施和自然灾害。",
        f"{catalogue.GB18218_STANDARD}《危险化学品重大危险源辨识》（版本 {catalogue.GB18218_VERSION}）："
        "S = Σqᵢ/Qᵢ ≥ 1 即构成重大危险源，"
        f"按 R = α·Σβᵢqᵢ/Qᵢ 分为一至四级（表 {doc.next_table() + 3}），"
        "一级、二级判定为重大风险，三级、四级判定为较大风险。",
        "直接定级：采用第三方专项评估（如自然灾害综合风险普查）结论，记录定级依据。",
    ])
    doc.table("LEC 法取值", ["L 事故发生的可能性", "分值", "E 暴露频繁程度", "分值", "C 后果", "分值"],
              _lec_rows(), widths=[2.2, 0.6, 2, 0.6, 2, 0.6], compact=True)
    doc.table("LEC 法 D 值分级预设", ["预设", "重大（红）", "较大（橙）", "一般（黄）", "低（蓝）"],
              [[Cell(name, align="center"), *[Cell(t, align="center") for t in bands]]
               for name, bands in catalogue.lec_bands().items()],
              note="预设 A 右闭区间（与 Graham 分级一致）；预设 B 左闭区间。本次评估采用预设 A。")
    doc.table("风险矩阵（预设 M1）", ["可能性＼严重性", "1", "2", "3", "4", "5"],
              [[Cell(f"L = {li}", align="center", bold=True),
                *[Cell(f"{li * si}", fill=LEVEL_COLOURS[catalogue.matrix_level("M1", li, si)], align="center")
                  for si in range(1, 6)]]
               for li in range(5, 0, -1)], note="格内数字为 R = L × S，颜色为等级；等级以查表为准。")
    doc.table("GB 18218-2018 重大危险源分级", ["分级", "R 值", "风险等级（本平台）"],
              [[Cell(name, align="center"), Cell(text, align="center"),
                _level_cell(f.cfg.grade_levels[grade].value)] for grade, name, text in
               ((1, "一级", "R ≥ 100"), (2, "二级", "50 ≤ R < 100"), (3, "三级", "10 ≤ R < 50"),
                (4, "四级", "R < 10"))],
              note="α 按厂区边界外 500 米内常住人口取值：≥100 人 2.0；50–99 人 1.5；30–49 人 1.2；"
                   "1–29 人 1.0；0 人 0.5。")
    doc.section("区域汇总与动态调整")
    rule = f.cfg.map_rules.describe(f.cfg.map_rules.default)
    unit = f" {rule['index_unit_zh']}" if rule["index_unit_zh"] else ""
    doc.para(f"本白皮书的区域（区县、街道、网格）四色图采用“{rule['name_zh']}”规则：{rule['description_zh']}"
             "分级界限为：" + "；".join(f"{b['name_zh']} {b['range_zh']}{unit}" for b in rule["breaks"])
             + f"（依据：{rule['basis_zh']}）。“就高”规则（区域内最高等级的风险源决定区域等级）保守、便于问责，"
             "但在风险源众多的区县几乎处处为重大风险，不能区分区域，故作为风险源清单的管控依据而不用于区域比较。")
    doc.para("另给出加权综合指数作为参照：各风险源按等级计分（低、一般、较大、重大依次为 "
             + "、".join(f"{v:g}" for v in f.cfg.weighted.level_scores) + "），按领域权重"
             + "、".join(f"{CATEGORIES[c]} {w:g}" for c, w in f.cfg.weighted.category_weights.items())
             + f" 加权平均，指数以 {'/'.join(f'{t:g}' for t in f.cfg.weighted.thresholds)} 为界分为四级。")
    doc.para("风险等级实行动态管理：风险源所在单位存在未销号重大事故隐患、火警未处置或多处消防设施故障时，"
             "按以下规则临时上调当前等级，相关因素消除后自动恢复，评定等级保留在案：")
    doc.bullets([f"{r.describe_zh()}。" for r in f.cfg.rules])


def _lec_rows() -> list[list[Cell]]:
    ls, es, cs = catalogue.lec_tables()
    rows = []
    for i in range(max(len(ls), len(es), len(cs))):
        row: list[Cell] = []
        for table in (ls, es, cs):
            if i < len(table):
                row += [Cell(table[i][1]), Cell(f"{table[i][0]:g}", align="center")]
            else:
                row += [Cell(""), Cell("")]
        rows.append(row)
    return rows


def identification(doc: Document, f: Facts) -> None:
    doc.chapter("风险辨识结果")
    total = f.summary["total"]
    cat_counts = {key: sum(c.values()) for key, _, c in f.by_category.rows}
    doc.para(f"{f.year}年度共辨识登记城市安全风险源{total:,}处，其中"
             + "，".join(f"{CATEGORIES[Category(k)]}{n:,}处（{_pct(n, total)}）" for k, n in cat_counts.items())
             + f"。各类型风险源数量见表 {doc.next_table()}。")
    rows = []
    for kind, label, counts in f.by_kind.rows:
        n = sum(counts.values())
        rows.append([Cell(CATEGORIES[KINDS[kind].category]), Cell(label), Cell(f"{n:,}", align="right"),
                     *[Cell(f"{counts[lvl.value]:,}", align="right") for lvl in LEVELS]])
    doc.table("风险源辨识结果（按领域和类型）", ["领域", "类型", "合计", *[lvl.name_zh for lvl in LEVELS]], rows,
              widths=[1.3, 3.2, 0.8, 0.7, 0.7, 0.7, 0.7], compact=True)


def results(doc: Document, f: Facts, *, figures: dict[str, bytes]) -> None:
    doc.chapter("风险评估结果")
    by = f.summary["by_level"]
    total = f.summary["total"]
    doc.section("总体情况")
    doc.para(f"按当前等级统计，全域重大风险{by['red']:,}处（{_pct(by['red'], total)}），较大风险{by['orange']:,}处"
             f"（{_pct(by['orange'], total)}），一般风险{by['yellow']:,}处（{_pct(by['yellow'], total)}），"
             f"低风险{by['blue']:,}处（{_pct(by['blue'], total)}）"
             + (f"，尚未评估{by['none']:,}处" if by.get("none") else "")
             + f"；其中{f.summary['raised']}处因未销号重大隐患或未处置警情被临时上调等级。"
             f"按领域和等级的分布见表 {doc.next_table()}和图 {doc.next_figure()}。")
    rows = [[Cell(label), *[Cell(f"{c[lvl.value]:,}", align="right") for lvl in LEVELS],
             Cell(f"{sum(c.values()):,}", align="right", bold=True)] for _, label, c in f.by_category.rows]
    totals = f.by_category.totals()
    rows.append([Cell("合计", bold=True), *[Cell(f"{totals[lvl.value]:,}", align="right", bold=True) for lvl in LEVELS],
                 Cell(f"{sum(totals.values()):,}", align="right", bold=True)])
    doc.table("风险等级 × 领域", ["领域", *[f"{lvl.name_zh}（{lvl.colour_zh}）" for lvl in LEVELS], "合计"], rows,
              widths=[1.8, 1, 1, 1, 1, 1])
    doc.figure("各领域风险源数量（按风险等级）", figures["bars_category"], width_cm=15)
    doc.section(f"各{f.child_word}分布")
    ranked = sorted(f.by_division.rows, key=lambda r: (r[2]["red"], r[2]["orange"]), reverse=True)
    top = "、".join(f"{label}（重大{c['red']}处、较大{c['orange']}处）" for _, label, c in ranked[:3])
    doc.para(f"重大和较大风险主要分布在{top}。各{f.child_word}风险等级分布见表 {doc.next_table()}"
             f"和图 {doc.next_figure()}。")
    rows = [[Cell(label), *[Cell(f"{c[lvl.value]:,}", align="right") for lvl in LEVELS],
             Cell(f"{sum(c.values()):,}", align="right", bold=True)] for _, label, c in f.by_division.rows]
    doc.table(f"风险等级 × {f.child_word}", [f.child_word, *[lvl.name_zh for lvl in LEVELS], "合计"], rows,
              widths=[1.8, 1, 1, 1, 1, 1])
    doc.figure(f"各{f.child_word}风险源数量（按风险等级）", figures["bars_division"], width_cm=15.5)
    doc.section("四色空间分布")
    rule_name = f.cfg.map_rules.describe(f.cfg.map_rules.default)["name_zh"]
    first = doc.next_figure()
    maps_drawn = sum(1 for key in ("division", "street", "h3") if key in figures)
    doc.para(f"风险源空间分布见图 {first}；按“{rule_name}”规则绘制的四色空间分布图见图 {first + 1}"
             + (f"至图 {first + maps_drawn}" if maps_drawn > 1 else "")
             + f"，加权综合指数图见图 {first + maps_drawn + 1}。")
    doc.figure(f"{f.name}风险源空间分布", figures["points"], width_cm=MAP_WIDTH_CM)
    for key, caption in (("division", f"{f.name}安全风险四色图（{f.child_word}）"),
                         ("street", f"{f.name}安全风险四色图（街道）"), ("h3", f"{f.name}安全风险四色网格图")):
        if key in figures:
            notes = [f"汇总规则：{rule_name}（分级界限见图例）", *(f.notes if key == "street" else [])]
            doc.figure(caption, figures[key], note="；".join(notes), width_cm=MAP_WIDTH_CM)
    doc.figure(f"{f.name}区域综合风险指数图（加权）", figures["weighted"], width_cm=MAP_WIDTH_CM,
               note="加权规则：等级分值按领域权重加权平均后分级，一处重大风险不会使整个区域直接变红，用于比较区域综合风险水平。")


def major_risks(doc: Document, f: Facts) -> None:
    doc.chapter("重大和较大风险")
    doc.para(f"全域重大风险{len(f.red)}处、较大风险{len(f.orange)}处。重大风险清单及责任单位、监管部门见表"
             f" {doc.next_table()}；较大风险清单见附录。")
    doc.table("重大风险清单", ["编号", "名称", "类型", "所在区划", "评估方法", "责任单位", "监管部门"],
              [[Cell(s.code), Cell(s.name), Cell(KINDS[s.kind].name_zh.split("（")[0]), Cell(s.region_name),
                Cell(s.method), Cell(s.responsible_unit), Cell(s.supervising_department)] for s in f.red],
              widths=[1.5, 3.2, 1.4, 1.6, 1, 2.2, 1.2], compact=True)
    if f.raised:
        doc.section("动态上调的风险源")
        doc.para(f"截至数据时点，共有{len(f.raised)}处风险源因下列因素被临时上调等级（见表 {doc.next_table()}），"
                 "相关单位应立即整改，整改销号或警情处置完毕后等级自动恢复。")
        doc.table("动态上调的风险源", ["编号", "名称", "评定等级", "当前等级", "上调原因", "责任单位"],
                  [[Cell(s.code), Cell(s.name), _level_cell(s.assessed_level), _level_cell(s.level),
                    Cell("；".join(s.reasons)), Cell(s.responsible_unit)] for s in f.raised],
                  widths=[1.5, 2.8, 0.9, 0.9, 3.2, 2], compact=True)


def countermeasures(doc: Document, f: Facts) -> None:
    doc.chapter("风险防控对策")
    doc.section("落实分级管控责任")
    doc.para(f"按照“分区域、分级别、网格化、实名制”原则，重大风险（{len(f.red)}处）由市级挂牌督办、落实"
             f"“一源一策”；较大风险（{len(f.orange)}处）由区（县）政府和行业主管部门督导管控；一般风险由街道（镇）"
             "和行业部门纳入日常检查；低风险由企业（单位）按制度自主管控。各责任单位应建立风险管控清单，"
             "明确管控措施、责任人和应急处置要求，并在醒目位置设置安全风险公告栏。")
    kinds = {key: sum(c.values()) for key, _, c in f.by_kind.rows}
    for category, title, paragraphs in COUNTERMEASURES:
        doc.section(title)
        for template in paragraphs:
            doc.para(template.format(**{k: f"{kinds.get(k, 0):,}" for k in KINDS}, city=f.name,
                                     red=sum(1 for s in f.red if KINDS[s.kind].category == category)))
    doc.section("强化监测预警与应急准备")
    doc.para("依托城市安全风险信息管理平台，接入消防设施联网监测、燃气、桥梁隧道、排水防涝等城市生命线监测数据，"
             "开展风险动态评估和分级预警；重大风险源全部纳入在线监测，实行“风险—隐患—事件”闭环管理。"
             "完善各类应急预案并定期演练，合理布局应急物资储备和救援力量。")


def public_guidance(doc: Document, f: Facts) -> None:
    doc.chapter("公众安全指引")
    doc.para("安全是每个人的事。以下常识帮助市民识别身边的风险、掌握避险方法：")
    for title, items in GUIDANCE:
        doc.section(title)
        doc.bullets(items)
    doc.section("报警与求助电话")
    doc.table("常用报警与求助电话", ["号码", "用途"],
              [[Cell(n, align="center", bold=True), Cell(u)] for n, u in HOTLINES],
              widths=[1, 4])


def appendix(doc: Document, f: Facts) -> None:
    doc.chapter("附录")
    doc.section("较大风险清单")
    doc.table("较大风险清单", ["编号", "名称", "所在区划", "责任单位", "监管部门"],
              [[Cell(s.code), Cell(s.name), Cell(s.region_name), Cell(s.responsible_unit),
                Cell(s.supervising_department)] for s in f.orange],
              widths=[1.5, 3.6, 1.8, 2.6, 1.3], compact=True)
    doc.section("编制参数")
    # In words, as a reader of the white paper checks them: no setting names, tuples or English.
    weighted = f.cfg.weighted
    rule = f.cfg.map_rules.describe(f.cfg.map_rules.default)
    breaks = "、".join(f"{b['name_zh']} {b['range_zh']}{rule['index_unit_zh']}" for b in rule["breaks"])
    rows = [cells(["数据时点", f"{to_local(f.at):%Y-%m-%d %H:%M}（北京时间）"]),
            cells(["区域汇总规则", f"{rule['name_zh']}（{breaks}）；参照：加权指数"]),
            cells(["等级口径", "当前等级（含动态调整）；评定等级记录在案"]),
            cells(["LEC 预设", preset_name("lec", "A")]), cells(["风险矩阵预设", preset_name("matrix", "M1")]),
            cells(["GB 18218 分级→等级",
                   "；".join(f"{g}级→{lvl.name_zh}" for g, lvl in sorted(f.cfg.grade_levels.items()))]),
            cells(["加权规则", "等级分值 " + "、".join(f"{lvl.colour_zh}{score:g}" for lvl, score in
                                                  zip(LEVELS_ASCENDING, weighted.level_scores, strict=True))
                   + "；分级阈值 " + "、".join(f"{t:g}" for t in weighted.thresholds)
                   + f"；按{_STATISTIC_NAMES.get(weighted.statistic, weighted.statistic)}汇总"]),
            cells(["动态规则", "；".join(r.describe_zh() for r in f.cfg.rules)])]
    rows += [cells(["说明", note]) for note in f.notes]
    doc.table("白皮书编制参数", ["项目", "取值"], rows, widths=[1.3, 4])
    doc.para("本白皮书由城市安全风险信息管理平台（citysafe）根据登记数据自动生成，图表编号按出现顺序排列。"
             "边界数据仅用于示意，不作为权属界线依据。", "note")
