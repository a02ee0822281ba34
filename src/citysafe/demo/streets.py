"""Place words and road names of Nanjing's districts, so demo organisations are named and addressed where
they stand (``南京钟山化工有限公司, 南京市玄武区龙蟠路118号`` rather than a name from across the river).

Source: the names as they appear on public city maps of Nanjing (OpenStreetMap, the districts' street
directories), picked for their look; a road can cross a district line, and every house number is invented.
"""

from __future__ import annotations

import random
from typing import NamedTuple


class DistrictNames(NamedTuple):
    places: tuple[str, ...]  # words a local firm or venue would carry in its name
    roads: tuple[str, ...]


DISTRICT_NAMES: dict[str, DistrictNames] = {
    "320102": DistrictNames(("玄武", "钟山", "紫金", "锁金", "梅园", "孝陵"),
                            ("中山路", "珠江路", "长江路", "北京东路", "龙蟠路", "太平北路", "玄武大道")),
    "320104": DistrictNames(("秦淮", "夫子庙", "白下", "瑞金", "朝天宫", "中华门"),
                            ("中华路", "建康路", "太平南路", "白下路", "长乐路", "瑞金路", "御道街")),
    "320105": DistrictNames(("建邺", "河西", "奥体", "江心洲", "南苑", "莫愁"),
                            ("江东中路", "河西大街", "集庆门大街", "庐山路", "奥体大街", "嘉陵江东街")),
    "320106": DistrictNames(("鼓楼", "石城", "清凉山", "宁海", "下关", "挹江"),
                            ("中山北路", "湖南路", "汉中路", "虎踞路", "广州路", "北京西路", "草场门大街")),
    "320111": DistrictNames(("浦口", "江浦", "桥林", "老山", "汤泉", "星甸"),
                            ("浦珠路", "凤凰大街", "文德路", "浦泗路", "沿山大道", "浦滨路")),
    "320113": DistrictNames(("栖霞", "仙林", "尧化", "燕子矶", "迈皋桥", "八卦洲"),
                            ("仙林大道", "文苑路", "和燕路", "栖霞大道", "尧新大道", "学海路")),
    "320114": DistrictNames(("雨花", "铁心桥", "西善桥", "板桥", "赛虹桥", "梅山"),
                            ("雨花南路", "软件大道", "安德门大街", "宁双路", "花神大道", "凤台南路")),
    "320115": DistrictNames(("江宁", "东山", "秣陵", "禄口", "汤山", "淳化"),
                            ("双龙大道", "天元中路", "竹山路", "胜太路", "格致路", "将军大道", "弘景大道")),
    "320116": DistrictNames(("六合", "雄州", "大厂", "葛塘", "龙袍", "竹镇"),
                            ("雄州东路", "雄州南路", "宁六路", "六合大道", "葛中路", "新华路")),
    "320117": DistrictNames(("溧水", "永阳", "洪蓝", "白马", "东屏", "晶桥"),
                            ("珍珠南路", "天生桥大道", "通济街", "交通路", "秦淮大道")),
    "320118": DistrictNames(("高淳", "淳溪", "固城", "桠溪", "东坝", "砖墙"),
                            ("宝塔路", "汶溪路", "镇兴路", "北岭路", "石臼湖路")),
}


def names_of(district_code: str) -> DistrictNames:
    """The district's words (``district_code`` is any code inside it); a district not listed gets none."""
    return DISTRICT_NAMES.get(district_code[:6], DistrictNames((), ()))


def address_in(rng: random.Random, district_code: str, district_name: str) -> str:
    """A street address in the district: road and house number (numbers the way Nanjing's run, 1-400)."""
    roads = names_of(district_code).roads or ("中山路",)
    return f"南京市{district_name}{rng.choice(roads)}{rng.randint(1, 400)}号"
