"""Valid transfer applications in bulk, for tests that need many distinct cases."""

from __future__ import annotations

from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin
from xborder.workflows.transfer.aggregate import Owner, TransferRequest

_SERIAL = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def plate_for(n: int, prefix: str = "川A") -> str:
    chars = []
    for _ in range(5):
        n, digit = divmod(n, len(_SERIAL))
        chars.append(_SERIAL[digit])
    return prefix + "".join(reversed(chars))


def application_for(n: int, *, destination: str = "500000", prefix: str = "川A") -> TransferRequest:
    return TransferRequest(
        plate=Plate.parse(plate_for(n, prefix)),
        vin=Vin.parse("1M8GDM9AXKP042788"),
        vehicle_type="small_passenger",
        use="non_commercial",
        owner=Owner("张三", IdNumber.parse("11010519491231002X"), Phone.parse("13812345678")),
        destination=province_by_code(destination),
        destination_city="重庆市渝北区",
        residence_proof=f"RP-{n}",
    )
