"""Names of the administrative division codes (GB/T 2260) that rules and plan targets name.

One table for the product: every province (the only 2-digit prefixes a rule may name), the
prefecture-level cities of 江苏 and 江西 (the provinces whose plans the rules carry) and the
counties the local plans are issued by. Codes as prefixes (``32``, ``3207``, ``320281``), names
as 民政部's 行政区划代码 list gives them.
"""

from __future__ import annotations

#: The province-level prefixes.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区",
    "82": "澳门特别行政区",
}  # fmt: skip

#: Prefecture-level cities of 江苏 and 江西, and the counties of the local plans.
LOCAL: dict[str, str] = {
    "3201": "南京市", "3202": "无锡市", "3203": "徐州市", "3204": "常州市", "3205": "苏州市",
    "3206": "南通市", "3207": "连云港市", "3208": "淮安市", "3209": "盐城市", "3210": "扬州市",
    "3211": "镇江市", "3212": "泰州市", "3213": "宿迁市",
    "3601": "南昌市", "3602": "景德镇市", "3603": "萍乡市", "3604": "九江市", "3605": "新余市",
    "3606": "鹰潭市", "3607": "赣州市", "3608": "吉安市", "3609": "宜春市", "3610": "抚州市",
    "3611": "上饶市",
    "320281": "江阴市", "320724": "灌南县",
}  # fmt: skip


def adcode_name(code: str) -> str | None:
    """The name of a division code or prefix (``3207`` or ``320700``: 连云港市), or None."""
    if len(code) == 6 and code.endswith("0000"):
        code = code[:2]
    elif len(code) == 6 and code.endswith("00"):
        code = code[:4]
    return PROVINCES.get(code) or LOCAL.get(code)
