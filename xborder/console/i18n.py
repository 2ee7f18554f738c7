"""The console's words, in Chinese (the default) and English (the switch).

One flat catalogue, key -> (中文, English). Keys by namespace: `status.<kind>.<status>`, `event.<Type>`,
`action.<name>` (a command's route name, or an `awaiting` action), `field.<name>` (a body field or a
document field), `option.<value>` (an enum's value), `role.<role>`, `side.<province role in a case>`,
`kind.<kind>`, `deadline.<term>`, `problem.<code>`, and the pages' own words. A key the catalogue lacks
shows as itself (never an error): the unit tests keep the workflows' statuses, events, commands and
fields all named in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.requests import Request

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"
LANG_COOKIE: Final = "xborder_lang"

M: dict[str, tuple[str, str]] = {
    # --- the frame
    "app.name": ("跨省交管协作平台", "Cross-province traffic police console"),
    "app.short": ("跨省协作", "xborder"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "nav.main": ("主导航", "Main navigation"),
    "nav.workbench": ("工作台", "Workbench"),
    "nav.my_cases": ("我的业务", "My cases"),
    "nav.stats": ("统计", "Statistics"),
    "nav.new": ("新建", "New"),
    "lang.switch": ("English", "中文"),
    "lang.switch_label": ("Switch to English", "切换到中文"),
    "signout": ("退出", "Sign out"),
    "signed_in_as": ("当前身份", "Signed in as"),
    "footer": (
        "页面数据均来自本省读模型，经接口按角色脱敏。",
        "Every page shows the province's read model through the API, masked for your role.",
    ),
    # --- sign-in
    "signin.title": ("登录", "Sign in"),
    "signin.dev_title": ("开发环境登录", "Development sign-in"),
    "signin.dev_note": (
        "开发模式：选择一个身份登录，令牌由本地密钥签发。生产环境不提供此页面。",
        "Development mode: pick an identity; its token is minted with the local secret. "
        "A deployment has no such page.",
    ),
    "signin.custom": ("其他身份", "Another identity"),
    "signin.sub": ("账号", "Account"),
    "signin.org": ("单位（保险公司必填）", "Organisation (insurers)"),
    "signin.submit": ("登录", "Sign in"),
    "signin.as": ("以此身份登录", "Sign in as"),
    "signin.token_title": ("使用令牌登录", "Sign in with a token"),
    "signin.token_note": (
        "请粘贴身份认证系统签发的访问令牌。",
        "Paste the bearer token your identity provider issued.",
    ),
    "signin.token": ("访问令牌", "Bearer token"),
    "signin.token_invalid": ("令牌无效或已过期。", "The token is not valid or has expired."),
    "signin.not_here": ("此页面仅在开发模式下提供。", "This page exists in development mode only."),
    "signin.expired": ("登录已过期，请重新登录。", "Your session has ended; sign in again."),
    "signin.demo_hint": (
        "还没有数据？运行 xborder demo 生成演示案件。",
        "No data yet? Run `xborder demo` to seed demonstration cases.",
    ),
    "signin.demo_button": ("一键生成演示数据", "Seed demo data"),
    "signin.demo_running": (
        "正在生成演示案件（约一分钟），案件会陆续出现在各省工作台。",
        "Seeding demo cases (about a minute); they appear in the provinces' workbenches as they are made.",
    ),
    "signin.demo_done": ("演示数据已生成：", "Demo data seeded:"),
    "signin.demo_failed": ("演示数据生成失败：", "Seeding the demo data failed:"),
    # --- workbench
    "inbox.title": ("待办事项", "Inbox"),
    "inbox.caption": ("本省本角色待办，超期优先", "Awaiting your province and role, overdue first"),
    "inbox.empty": ("暂无待办。", "Nothing awaits you."),
    "inbox.due": ("办理时限", "Due"),
    "inbox.case": ("案件", "Case"),
    "inbox.kind": ("业务", "Workflow"),
    "inbox.status": ("状态", "Status"),
    "inbox.action": ("待办", "Action"),
    "inbox.plate": ("号牌", "Plate"),
    "inbox.overdue": ("已超期", "Overdue"),
    # a due date counted into a year whose holiday schedule is not yet published (docs/decisions.md)
    "inbox.provisional": ("暂定", "Provisional"),
    "inbox.provisional_hint": (
        "该年度节假日安排尚未公布，办理时限可能调整",
        "The holiday schedule for that year is not yet published; the due date may change",
    ),
    "inbox.no_due": ("无时限", "No deadline"),
    "inbox.count": ("共 {count} 项，其中超期 {overdue} 项", "{count} items, {overdue} overdue"),
    "inbox.more": ("仅显示前 {shown} 项", "Showing the first {shown}"),
    "filter.title": ("筛选", "Filter"),
    "filter.kind": ("业务类型", "Workflow"),
    "filter.status": ("状态", "Status"),
    "filter.plate": ("号牌", "Plate"),
    "filter.overdue": ("只看超期", "Overdue only"),
    "filter.any": ("全部", "All"),
    "filter.apply": ("筛选", "Apply"),
    "filter.clear": ("清除", "Clear"),
    "search.label": ("查询", "Search"),
    "search.placeholder": ("案件编号、号牌、VIN 或违法记录编号", "Case id, plate, VIN or record number"),
    "search.submit": ("查询", "Search"),
    "search.title": ("查询结果", "Search results"),
    "search.none": ("本省没有符合条件的案件。", "No case of your province matches."),
    "search.scanned": ("已查最近 {count} 件案件。", "Searched the latest {count} cases."),
    "recent.title": ("最近案件", "Recent cases"),
    "recent.mine": ("我的业务", "My cases"),
    "recent.empty": ("暂无案件。", "No cases."),
    "recent.updated": ("更新时间", "Updated"),
    "live.moved_on": (
        "此案件已有新进展。操作表单基于旧版本，请刷新页面后再办理。",
        "This case has moved on. The forms below are for an older version: reload before acting.",
    ),
    "live.reload": ("刷新", "Reload"),
    "live.updated": ("已自动更新", "Updated"),
    # --- case page
    "case.title": ("{kind} 案件", "{kind} case"),
    "case.id": ("案件编号", "Case id"),
    "case.version": ("版本", "Version"),
    "case.status": ("当前状态", "Status"),
    "case.provinces": ("涉及省份", "Provinces involved"),
    "case.province": ("省份", "Province"),
    "case.side": ("角色", "Role"),
    "case.awaiting": ("等待办理", "Awaiting"),
    "case.awaiting_none": ("无人待办。", "Nobody is awaited."),
    "case.timeline": ("办理过程", "Timeline"),
    "case.when": ("时间", "When"),
    "case.who": ("办理人", "Who"),
    "case.what": ("事项", "What"),
    "case.deadlines": ("办理时限", "Deadlines"),
    "case.deadlines_none": ("无未到期的时限。", "No open deadlines."),
    "case.deadline": ("时限", "Deadline"),
    "case.holds": ("车辆限制", "Vehicle holds"),
    "case.holds_none": ("该车辆无限制，可以转籍。", "No holds: the vehicle may be transferred."),
    "case.holds_no_plate": ("本案未涉及确定的号牌。", "This case names no plate."),
    "case.holds_cases": ("本省涉及该号牌的案件", "Your province's cases on this plate"),
    "case.hold_by": ("限制来源", "Held by"),
    "case.details": ("案件信息", "Details"),
    "case.actions": ("可办理事项", "Actions"),
    "case.actions_none": ("当前身份无可办理事项。", "Nothing for your role to do now."),
    "case.pending": (
        "本省尚未同步到此案件的最新版本，页面将自动刷新。",
        "Your province has not applied this case's latest version yet; the page refreshes itself.",
    ),
    "case.not_found": ("没有这个案件，或本省无权查看。", "No such case, or not one your province may see."),
    "case.linked": ("关联案件", "Linked case"),
    "case.done": ("已办理：{action}", "Done: {action}"),
    "case.steps": ("办理进度", "Progress"),
    "case.parties": ("三方处置", "The three parties"),
    "case.masked": ("（已脱敏）", "(masked)"),
    "conflict.title": ("案件已有新进展", "The case moved on"),
    "conflict.body": (
        "此操作基于旧的案件版本（{version}），已未执行。案件当前状态：{status}（版本 {current}）。",
        "This action was for an older version of the case ({version}) and was not carried out. "
        "The case is now: {status} (version {current}).",
    ),
    "form.submit": ("提交", "Submit"),
    "form.required": ("必填", "required"),
    "form.yes": ("是", "Yes"),
    "privacy.erased": ("已删除（个人信息已依法删除）", "erased (personal data deleted on request)"),
    "form.no": ("否", "No"),
    "form.choose": ("请选择", "Choose"),
    "form.lines_hint": ("每行一项", "One per line"),
    "form.example": ("例：{example}", "e.g. {example}"),
    "form.row": ("第 {n} 项", "Item {n}"),
    "form.errors": ("请更正以下问题：", "Please correct the following:"),
    "form.error_top": ("未能办理：", "Not done:"),
    "form.province_near": ("本地及相邻省份", "This province and its neighbours"),
    "form.province_other": ("其他省份", "Other provinces"),
    "form.time_hint": ("北京时间", "Beijing time"),
    "form.step": ("第 {n} 步：{name}", "Step {n}: {name}"),
    "form.other": ("其他", "Other"),
    "form.fixed_province": ("事故地（本单位所在省份）", "Accident province (your own)"),
    "form.csrf_refused": (
        "表单已失效（安全校验未通过），请刷新页面后重试。",
        "The form has expired (security check failed); reload the page and try again.",
    ),
    # --- new cases
    "new.transfer": ("申请跨省转籍", "Apply for a transfer"),
    "new.objection": ("提出违法异议", "File an objection"),
    "new.hit_and_run": ("逃逸案件立案", "Open a hit-and-run case"),
    "new.rescue": ("新建救援", "Open a rescue"),
    "step.vehicle": ("车辆", "Vehicle"),
    "step.owner": ("车主", "Owner"),
    "step.destination": ("转入地", "Destination"),
    "step.mortgage": ("抵押", "Mortgage"),
    "step.violation": ("违法记录", "The record"),
    "step.ground": ("异议理由", "Grounds"),
    "step.party": ("当事人", "Party"),
    "step.accident": ("事故", "Accident"),
    "step.casualties": ("伤亡人员", "Casualties"),
    "step.vehicles": ("涉事车辆", "Vehicles"),
    "step.incident": ("案情", "Incident"),
    "step.suspect": ("嫌疑车辆", "Suspect vehicle"),
    # --- progress steps
    "progress.accepted": ("已受理", "Accepted"),
    "progress.archive": ("档案调取", "Archive"),
    "progress.inspection": ("查验", "Inspection"),
    "progress.done": ("已办结", "Done"),
    "progress.returned": ("退办", "Returned"),
    "progress.withdrawn": ("已撤回", "Withdrawn"),
    "progress.lapsed": ("已失效", "Lapsed"),
    "progress.forwarded": ("已转递", "Forwarded"),
    "progress.reviewing": ("审核中", "Under review"),
    "progress.revoked": ("已撤销", "Revoked"),
    "progress.dismissed": ("已驳回", "Dismissed"),
    "progress.refund": ("退款", "Refund"),
    "progress.refunded": ("已退款 ¥{amount}", "Refunded ¥{amount}"),
    "progress.refund_due": ("待退款 ¥{amount}", "Refund due ¥{amount}"),
    "progress.reasons": ("原因", "Reasons"),
    "progress.new_plate": ("新号牌：{plate}", "New plate: {plate}"),
    "party.police": ("警", "Police"),
    "party.medical": ("医", "Medical"),
    "party.funding": ("保·基金", "Insurer · fund"),
    "party.none": ("未调派", "Not dispatched"),
    "party.dispatched": ("已调派", "Dispatched"),
    "party.arrived": ("已到达", "Arrived"),
    "party.admitted": ("已收治", "Admitted"),
    "party.response": ("响应 {minutes} 分钟", "responded in {minutes} min"),
    "party.waiting": ("等待中", "waiting"),
    "party.waited": ("已等待 {minutes} 分钟", "waiting for {minutes} min"),
    "party.notified": ("已通知", "Notified"),
    "party.advance": ("垫付 ¥{amount}", "Advance ¥{amount}"),
    "party.fund_paid": ("基金垫付 ¥{amount}", "Fund advance ¥{amount}"),
    "party.fund_denied": ("基金垫付未获批", "Fund advance denied"),
    "party.fund_notified": ("已通知救助基金", "Relief fund notified"),
    "party.no_funding": ("尚未通知保险或基金", "No insurer or fund notified"),
    # --- due times
    "due.left_days": ("剩 {days} 个工作日", "{days} working days left"),
    "due.left_hours": ("剩 {hours} 小时", "{hours} h left"),
    "due.left_minutes": ("剩 {minutes} 分钟", "{minutes} min left"),
    "due.over": ("超期 {hours} 小时", "{hours} h overdue"),
    "due.over_days": ("超期 {days} 天", "{days} days overdue"),
    # --- errors
    "error.title": ("出错了", "Something went wrong"),
    "error.body": (
        "服务暂时无法完成此请求，请稍后重试。",
        "The service could not complete this request; try again shortly.",
    ),
    "error.not_found": ("页面不存在。", "No such page."),
    "error.back": ("返回工作台", "Back to the workbench"),
    "error.forbidden": ("无权办理。", "Not permitted."),
    "error.busy": ("请求过于频繁，请稍后再试。", "Too many requests; try again shortly."),
    "stats.title": ("统计", "Statistics"),
    "stats.unavailable": ("统计图表尚不可用。", "The charts are not available yet."),
    "stats.csv": ("下载 CSV", "Download CSV"),
    "stats.table": ("数据表", "The figures"),
    "stats.step": ("环节", "Step"),
    "stats.count": ("件数", "Cases"),
    "vehicle.title": ("车辆 {plate}", "Vehicle {plate}"),
    "vehicle.transferable": ("可以转籍", "May be transferred"),
    "vehicle.held": ("存在限制，暂不能转籍", "Held: may not be transferred now"),
    # --- what a command's form says before its fields
    "hint.confirm_insurer_advance": (
        "交强险医疗费用限额：被保险人有责 ¥18,000，无责 ¥1,800；超出部分由救助基金垫付。",
        "The compulsory insurance's medical limit: ¥18,000 at fault, ¥1,800 not at fault; the relief "
        "fund advances the rest.",
    ),
    "hint.review_fund": (
        "救助基金垫付抢救费用不超过收治后 7 日，且不超过申请金额。",
        "The fund advances rescue costs of at most 7 days from admission, never more than requested.",
    ),
    "hint.register_vehicle": ("新号牌须为转入地省份的号牌。", "The new plate must be the destination's."),
    "hint.request_assistance": (
        "协查省份自通报起即可查看本案。",
        "Each target province sees the case from the moment it is asked.",
    ),
    "hint.solve": (
        "破案后按原范围撤销协查通报。",
        "Solving withdraws the request from exactly the provinces it went to.",
    ),
    "hint.withdraw_transfer": (
        "注册登记前可随时撤回申请。",
        "You may withdraw any time before registration.",
    ),
    "hint.apply_for_transfer": (
        "仅小型、微型非营运载客汽车可在转入地直接申请转籍；抵押车辆须抵押权人共同申请。",
        "Only small or mini non-commercial passenger cars; a mortgaged car needs its mortgagee.",
    ),
    "hint.file_objection": (
        "异议将当即转递违法发生地，由发生地审核决定（5 个工作日）。",
        "The objection goes at once to the recording province, which decides (5 working days).",
    ),
    # --- kinds
    "kind.transfer": ("跨省转籍", "Vehicle transfer"),
    "kind.objection": ("异地撤销", "Violation objection"),
    "kind.hit_and_run": ("逃逸协查", "Hit-and-run"),
    "kind.rescue": ("警医保联动", "Joint rescue"),
    # --- roles
    "role.owner": ("车主 / 当事人", "Owner"),
    "role.vehicle_admin": ("车管所", "Vehicle administration"),
    "role.traffic_police": ("交警", "Traffic police"),
    "role.investigator": ("逃逸侦查", "Investigator"),
    "role.dispatcher": ("指挥调度", "Dispatcher"),
    "role.medical": ("医疗机构", "Hospital"),
    "role.insurer": ("保险公司", "Insurer"),
    "role.fund": ("救助基金", "Relief fund"),
    "role.auditor": ("审计员", "Auditor"),
    "role.privacy_officer": ("个人信息保护负责人", "Privacy officer"),
    "role.system": ("系统", "System"),
    # --- a province's role in a case
    "side.origin": ("转出地", "Origin"),
    "side.destination": ("转入地", "Destination"),
    "side.handling": ("处理地", "Handling"),
    "side.recording": ("发生地（决定）", "Recording (decides)"),
    "side.incident": ("案发地", "Incident"),
    "side.target": ("协查地", "Target"),
    "side.accident": ("事故地", "Accident"),
    "side.responder": ("增援地", "Responder"),
    # --- statuses
    "status.transfer.archive_requested": ("已受理，待调档", "Archive requested"),
    "status.transfer.archive_released": ("档案已调出", "Archive released"),
    "status.transfer.archive_verified": ("档案已核验", "Archive verified"),
    "status.transfer.inspected": ("已查验", "Inspected"),
    "status.transfer.registered": ("已办结", "Registered"),
    "status.transfer.refused": ("退办（转出地）", "Refused by the origin"),
    "status.transfer.archive_rejected": ("退办（档案不符）", "Archive rejected"),
    "status.transfer.withdrawn": ("已撤回", "Withdrawn"),
    "status.transfer.lapsed": ("已失效", "Lapsed"),
    "status.objection.forwarded": ("已转递", "Forwarded"),
    "status.objection.under_review": ("审核中", "Under review"),
    "status.objection.evidence_requested": ("补充调查中", "Evidence requested"),
    "status.objection.upheld": ("已撤销", "Upheld (revoked)"),
    "status.objection.dismissed": ("已驳回", "Dismissed"),
    "status.objection.withdrawn": ("已撤回", "Withdrawn"),
    "status.objection.refunded": ("已撤销，已退款", "Upheld, refunded"),
    "status.hit_and_run.open": ("已立案", "Open"),
    "status.hit_and_run.assistance_requested": ("协查中", "Assistance requested"),
    "status.hit_and_run.suspect_apprehended": ("嫌疑人已抓获", "Suspect apprehended"),
    "status.hit_and_run.handed_over": ("已移交", "Handed over"),
    "status.hit_and_run.solved": ("已破案", "Solved"),
    "status.hit_and_run.suspended": ("已中止", "Suspended"),
    "status.hit_and_run.closed": ("已结案", "Closed"),
    "status.hit_and_run.transferred_to_criminal": ("已移送刑事", "Transferred to criminal proceedings"),
    "status.rescue.open": ("已接警", "Open"),
    "status.rescue.responding": ("处置中", "Responding"),
    "status.rescue.patients_admitted": ("伤员已收治", "Patients admitted"),
    "status.rescue.funding_confirmed": ("费用已落实", "Funding confirmed"),
    "status.rescue.funding_denied": ("垫付未获批", "Funding denied"),
    "status.rescue.closed": ("已结束", "Closed"),
    # --- actions: what `awaiting` names
    "action.release_or_refuse_archive": ("调出档案或退办", "Release the archive or refuse"),
    "action.start_review": ("开始审核", "Start the review"),
    "action.refund_fine": ("退还罚款", "Refund the fine"),
    "action.acknowledge_assistance": ("签收协查通报", "Acknowledge the request"),
    "action.mark_solved": ("标记破案", "Mark solved"),
    "action.determine_responsibility": ("认定责任", "Determine responsibility"),
    "action.report_arrival": ("报告警力到达", "Report the unit's arrival"),
    "action.report_admission": ("报告伤员收治", "Report the admission"),
    "action.confirm_advance": ("确认垫付", "Confirm the advance"),
    # --- actions: the commands (route names)
    "action.apply_for_transfer": ("申请转籍", "Apply for a transfer"),
    "action.release_archive": ("调出档案", "Release the archive"),
    "action.refuse_transfer": ("退办", "Refuse"),
    "action.verify_archive": ("核验档案", "Verify the archive"),
    "action.inspect_vehicle": ("查验车辆", "Inspect the vehicle"),
    "action.register_vehicle": ("注册登记，核发新号牌", "Register with a new plate"),
    "action.withdraw_transfer": ("撤回申请", "Withdraw the application"),
    "action.file_objection": ("提出异议", "File an objection"),
    "action.request_evidence": ("要求补充证据", "Request evidence"),
    "action.supply_evidence": ("提供证据", "Supply evidence"),
    "action.decide": ("作出决定", "Decide"),
    "action.eliminate_record": ("消除违法记录", "Eliminate the record"),
    "action.complete_refund": ("完成退款", "Complete the refund"),
    "action.withdraw_objection": ("撤回异议", "Withdraw the objection"),
    "action.open_case": ("立案", "Open the case"),
    "action.request_assistance": ("发出协查通报", "Request assistance"),
    "action.acknowledge": ("签收协查通报", "Acknowledge"),
    "action.report_clue": ("报告线索", "Report a clue"),
    "action.apprehend": ("抓获嫌疑人", "Record an apprehension"),
    "action.take_handover": ("接收移交", "Take custody"),
    "action.solve": ("破案", "Mark solved"),
    "action.determine": ("认定责任", "Determine responsibility"),
    "action.issue_interim_determination": ("出具阶段性认定", "Issue an interim determination"),
    "action.request_interim_determination": (
        "受理阶段性认定申请",
        "Record a request for an interim determination",
    ),
    "action.amend_suspect_vehicle": ("更正嫌疑车辆", "Amend the suspect vehicle"),
    "action.suspend": ("中止侦查", "Suspend the case"),
    "action.reopen": ("恢复侦查", "Reopen the case"),
    "action.open_rescue": ("新建救援", "Open a rescue"),
    "action.dispatch_police": ("调派警力", "Dispatch police"),
    "action.report_police_arrival": ("警力已到达", "Report the unit's arrival"),
    "action.dispatch_medical": ("调派医疗", "Dispatch a hospital"),
    "action.admit_patients": ("收治伤员", "Admit patients"),
    "action.notify_insurer": ("书面通知保险公司", "Notify the insurer"),
    "action.confirm_insurer_advance": ("确认垫付", "Confirm the advance"),
    "action.notify_fund": ("通知救助基金", "Notify the relief fund"),
    "action.review_fund": ("审核基金垫付", "Review the fund request"),
    "action.close_rescue": ("结束救援", "Close the rescue"),
    "action.determine_fault": ("认定事故责任", "Determine responsibility"),
    "action.record_recovery": ("登记基金追偿", "Record the fund's recovery"),
    # --- events
    "event.TransferApplied": ("申请转籍", "Transfer applied for"),
    "event.ArchiveRequested": ("请求调取档案", "Archive requested"),
    "event.ArchiveReleased": ("档案已调出", "Archive released"),
    "event.TransferRefused": ("转出地退办", "Transfer refused"),
    "event.ArchiveVerified": ("档案核验通过", "Archive verified"),
    "event.ArchiveRejected": ("档案核验不通过", "Archive rejected"),
    "event.VehicleInspected": ("车辆已查验", "Vehicle inspected"),
    "event.TransferRegistered": ("注册登记完成", "Vehicle registered"),
    "event.TransferWithdrawn": ("申请已撤回", "Application withdrawn"),
    "event.TransferLapsed": ("转籍已失效", "Transfer lapsed"),
    "event.ArchiveReleaseOverdue": ("调档超期", "Archive release overdue"),
    "event.ArchiveVerificationOverdue": ("档案核验超期", "Archive verification overdue"),
    "event.RegistrationOverdue": ("注册登记超期", "Registration overdue"),
    "event.ObjectionFiled": ("提出异议", "Objection filed"),
    "event.ObjectionForwarded": ("已转递发生地", "Forwarded to the recording province"),
    "event.ReviewStarted": ("开始审核", "Review started"),
    "event.EvidenceRequested": ("要求补充证据", "Evidence requested"),
    "event.EvidenceSupplied": ("已提供证据", "Evidence supplied"),
    "event.ObjectionUpheld": ("异议成立", "Objection upheld"),
    "event.ObjectionDismissed": ("异议驳回", "Objection dismissed"),
    "event.PenaltyRevoked": ("处罚决定已撤销", "Penalty revoked"),
    "event.RecordEliminated": ("违法记录已消除", "Record eliminated"),
    "event.RefundCompleted": ("罚款已退还", "Fine refunded"),
    "event.ObjectionWithdrawn": ("异议已撤回", "Objection withdrawn"),
    "event.ReviewOverdue": ("审核超期", "Review overdue"),
    "event.EliminationOverdue": ("消除记录超期", "Elimination overdue"),
    "event.CaseOpened": ("立案", "Case opened"),
    "event.AssistanceRequested": ("发出协查通报", "Assistance requested"),
    "event.AssistanceAcknowledged": ("协查通报已签收", "Request acknowledged"),
    "event.ClueReported": ("报告线索", "Clue reported"),
    "event.SuspectApprehended": ("抓获嫌疑人", "Suspect apprehended"),
    "event.HandoverCompleted": ("移交完成", "Handover completed"),
    "event.CaseSolved": ("已破案，协查撤销", "Solved; request withdrawn"),
    "event.ResponsibilityDetermined": ("责任已认定", "Responsibility determined"),
    "event.CaseClosed": ("结案", "Case closed"),
    "event.TransferredToCriminal": ("移送刑事诉讼", "Transferred to criminal proceedings"),
    "event.InterimDeterminationIssued": ("出具阶段性认定", "Interim determination issued"),
    "event.InterimDeterminationRequested": ("受害人申请阶段性认定", "Interim determination requested"),
    "event.InterimDeterminationOverdue": ("阶段性认定超期", "Interim determination overdue"),
    "event.SuspectVehicleAmended": ("嫌疑车辆已更正", "Suspect vehicle amended"),
    "event.CaseSuspended": ("案件已中止", "Case suspended"),
    "event.CaseReopened": ("案件已恢复", "Case reopened"),
    "event.AcknowledgementOverdue": ("签收超期", "Acknowledgement overdue"),
    "event.DeterminationOverdue": ("责任认定超期", "Determination overdue"),
    "event.RescueOpened": ("接警，建立救援", "Rescue opened"),
    "event.PoliceDispatched": ("已调派警力", "Police dispatched"),
    "event.PoliceArrived": ("警力到达", "Police arrived"),
    "event.MedicalDispatched": ("已调派医疗", "Hospital dispatched"),
    "event.PatientsAdmitted": ("伤员已收治", "Patients admitted"),
    "event.InsurerNotified": ("已书面通知保险公司", "Insurer notified"),
    "event.InsurerAdvanceConfirmed": ("保险公司确认垫付", "Insurer advance confirmed"),
    "event.FundNotified": ("已通知救助基金", "Relief fund notified"),
    "event.FaultDetermined": ("事故责任已认定", "Responsibility determined"),
    "event.FundRecoveryRecorded": ("基金已追偿", "Fund recovery recorded"),
    "event.FundAdvancePaid": ("基金垫付", "Fund advance paid"),
    "event.FundAdvanceDenied": ("基金垫付未获批", "Fund advance denied"),
    "event.RescueClosed": ("救援结束", "Rescue closed"),
    "event.FundNoticeOverdue": ("通知基金超期", "Fund notice overdue"),
    "event.FundReviewOverdue": ("基金审核超期", "Fund review overdue"),
    "event.DeadlineRevised": ("时限已修订", "Deadline revised"),
    # --- deadlines
    "deadline.archive_release": ("调出档案", "Archive release"),
    "deadline.archive_verification": ("核验档案", "Archive verification"),
    "deadline.registration": ("注册登记", "Registration"),
    "deadline.transfer_lapse": ("转籍有效期", "Transfer lapses"),
    "deadline.objection_review": ("异议审核", "Objection review"),
    "deadline.record_elimination": ("消除记录", "Record elimination"),
    "deadline.assistance_ack": ("签收协查", "Acknowledgement"),
    "deadline.determination": ("责任认定", "Determination"),
    "deadline.interim_determination": ("阶段性认定", "Interim determination"),
    "deadline.fund_notice": ("通知救助基金", "Fund notice"),
    "deadline.fund_review": ("基金审核", "Fund review"),
    # --- fields: command bodies
    "field.plate": ("号牌号码", "Plate"),
    "field.vin": ("车辆识别代号（VIN）", "VIN"),
    "field.vehicle_type": ("车辆类型", "Vehicle type"),
    "field.use": ("使用性质", "Use"),
    "field.owner": ("车主", "Owner"),
    "field.name": ("姓名", "Name"),
    "field.id_number": ("身份证号码", "ID number"),
    "field.phone": ("手机号码", "Phone"),
    "field.destination_province": ("转入地", "Destination province"),
    "field.destination_city": ("转入地城市", "Destination city"),
    "field.residence_proof": ("居住证明编号", "Proof of residence"),
    "field.mortgaged": ("车辆已抵押", "The vehicle is mortgaged"),
    "field.mortgagee": ("抵押权人", "Mortgagee"),
    "field.mortgagee.name": ("抵押权人名称", "Mortgagee"),
    "field.consent_ref": ("抵押权人同意书编号", "Mortgagee's consent"),
    "field.archive_ref": ("档案编号", "Archive reference"),
    "field.reasons": ("原因", "Reasons"),
    "field.reference": ("申请文号", "Request reference"),
    "field.vehicle": ("嫌疑车辆", "Suspect vehicle"),
    "field.detail": ("说明", "Detail"),
    "field.accepted": ("档案核验通过", "Archive accepted"),
    "field.reason": ("理由", "Reason"),
    "field.passed": ("查验合格", "Inspection passed"),
    "field.evidence": ("证据材料编号", "Evidence references"),
    "field.new_plate": ("新号牌号码", "New plate"),
    "field.recording_province": ("违法发生地（决定省份）", "Recording province"),
    "field.violation": ("违法记录", "Violation"),
    "field.record_number": ("违法记录编号", "Record number"),
    "field.occurred_at": ("发生时间", "Occurred at"),
    "field.place": ("地点", "Place"),
    "field.code": ("违法代码", "Violation code"),
    "field.fine": ("罚款（元）", "Fine (yuan)"),
    "field.points": ("记分", "Points"),
    "field.penalty_decided": ("已作出处罚决定", "Penalty decided"),
    "field.ground": ("异议理由", "Ground"),
    "field.ground_detail": ("理由说明", "Ground detail"),
    "field.police_report_number": ("报案回执编号", "Police report number"),
    "field.party": ("当事人", "Party"),
    "field.request": ("需补充的证据", "Evidence requested"),
    "field.note": ("备注", "Note"),
    "field.upheld": ("异议成立（撤销）", "Upheld (revoke)"),
    "field.amount": ("金额（元）", "Amount (yuan)"),
    "field.targets": ("协查省份", "Target provinces"),
    "field.ack_within_hours": ("签收时限（小时）", "Acknowledge within (hours)"),
    "field.hit": ("发现嫌疑车辆", "Hit"),
    "field.details": ("详情", "Details"),
    "field.suspect": ("嫌疑人", "Suspect"),
    "field.vehicle_seized": ("已扣留车辆", "Vehicle seized"),
    "field.outcome": ("处理结果", "Outcome"),
    "field.summary": ("认定摘要", "Summary"),
    "field.road": ("道路", "Road"),
    "field.km": ("公里桩（km）", "Kilometre post"),
    "field.lat": ("纬度", "Latitude"),
    "field.lon": ("经度", "Longitude"),
    "field.casualties": ("伤亡情况", "Casualties"),
    "field.dead": ("死亡人数", "Dead"),
    "field.injured": ("受伤人数", "Injured"),
    "field.suspect_vehicle": ("嫌疑车辆", "Suspect vehicle"),
    "field.plate_partial": ("部分号牌（* 表示未识别）", "Partial plate (* unread)"),
    "field.color": ("颜色", "Colour"),
    "field.model": ("车型", "Model"),
    "field.features": ("特征", "Features"),
    "field.direction": ("逃逸方向", "Direction of flight"),
    "field.ref": ("伤员编号", "Casualty ref"),
    "field.severity": ("伤情", "Severity"),
    "field.medical_notes": ("医疗记录", "Medical notes"),
    "field.vehicles": ("涉事车辆", "Vehicles"),
    "field.insurer": ("保险公司", "Insurer"),
    "field.policy": ("交强险保单号", "Policy"),
    "field.driver_fled": ("驾驶人逃逸", "Driver fled"),
    "field.unit": ("警力单位", "Police unit"),
    "field.province": ("所属省份", "Province"),
    "field.hospital": ("医院", "Hospital"),
    "field.patients": ("收治伤员编号", "Patients admitted (refs)"),
    "field.at_fault": ("被保险人有责", "Insured at fault"),
    "field.approved": ("批准垫付", "Approved"),
    # --- fields: documents
    "field.origin": ("转出地", "Origin"),
    "field.destination": ("转入地", "Destination"),
    "field.inspections": ("查验记录", "Inspections"),
    "field.passed_at": ("时间", "At"),
    "field.at": ("时间", "At"),
    "field.refusal": ("退办", "Refusal"),
    "field.archive_verification": ("档案核验", "Archive verification"),
    "field.withdrawal": ("撤回", "Withdrawal"),
    "field.handling": ("处理地", "Handling province"),
    "field.recording": ("发生地", "Recording province"),
    "field.forwarded_at": ("转递时间", "Forwarded at"),
    "field.review_started_at": ("开始审核时间", "Review started at"),
    "field.evidence_requests": ("补充证据", "Evidence requests"),
    "field.requested_at": ("要求时间", "Requested at"),
    "field.supplied": ("已提供", "Supplied"),
    "field.decision": ("决定", "Decision"),
    "field.revocation": ("撤销处罚", "Revocation"),
    "field.points_reversed": ("返还记分", "Points reversed"),
    "field.fine_to_refund": ("应退罚款（元）", "Fine to refund (yuan)"),
    "field.record_eliminated": ("记录已消除", "Record eliminated"),
    "field.refund": ("退款", "Refund"),
    "field.incident": ("案发地", "Incident province"),
    "field.apprehension": ("抓获", "Apprehension"),
    "field.target": ("协查地", "Target"),
    "field.handover_at": ("移交时间", "Handed over at"),
    "field.solved": ("破案", "Solved"),
    "field.withdrawn_from": ("撤销协查的省份", "Withdrawn from"),
    "field.determination": ("责任认定", "Determination"),
    "field.interim_determinations": ("阶段性认定", "Interim determinations"),
    "field.rescue_id": ("关联救援", "Rescue"),
    "field.acknowledged_at": ("签收时间", "Acknowledged at"),
    "field.withdrawn_at": ("撤销时间", "Withdrawn at"),
    "field.clues": ("线索", "Clues"),
    "field.accident": ("事故地", "Accident province"),
    "field.police": ("警", "Police"),
    "field.medical": ("医", "Medical"),
    "field.insurers": ("保险公司", "Insurers"),
    "field.fund": ("救助基金", "Relief fund"),
    "field.head": ("交强险分项", "交强险 head"),
    "field.costs": ("该分项费用（元）", "Costs under the head (yuan)"),
    "field.rescue_costs": ("申请垫付抢救费用（元）", "Rescue costs requested (yuan)"),
    "field.rescue_costs_until": ("抢救费用截止日", "Rescue costs up to"),
    "field.funeral_costs": ("申请垫付丧葬费用（元）", "Funeral costs requested (yuan)"),
    "field.deceased": ("死亡人员", "Deceased"),
    "field.liable_party": ("赔偿义务人", "Liable party"),
    "field.closed_at": ("结束时间", "Closed at"),
    "field.hit_and_run_id": ("关联逃逸案件", "Hit-and-run case"),
    "field.hit_and_run_version": ("关联案件版本", "Linked version"),
    "field.dispatched_at": ("调派时间", "Dispatched at"),
    "field.arrived_at": ("到达时间", "Arrived at"),
    "field.admitted_at": ("收治时间", "Admitted at"),
    "field.response_seconds": ("响应时间（秒）", "Response (s)"),
    "field.notified_at": ("通知时间", "Notified at"),
    "field.advance": ("垫付", "Advance"),
    "field.review": ("审核", "Review"),
    "field.province_name": ("省份", "Province"),
    # --- options (enum values)
    "option.small_passenger": ("小型载客汽车", "Small passenger car"),
    "option.mini_passenger": ("微型载客汽车", "Mini passenger car"),
    "option.medium_passenger": ("中型载客汽车", "Medium passenger vehicle"),
    "option.large_passenger": ("大型载客汽车", "Large passenger vehicle"),
    "option.heavy_truck": ("重型货车", "Heavy truck"),
    "option.medium_truck": ("中型货车", "Medium truck"),
    "option.light_truck": ("轻型货车", "Light truck"),
    "option.mini_truck": ("微型货车", "Mini truck"),
    "option.tractor": ("牵引车", "Tractor"),
    "option.trailer": ("挂车", "Trailer"),
    "option.special_purpose": ("专项作业车", "Special-purpose vehicle"),
    "option.motorcycle": ("摩托车", "Motorcycle"),
    "option.low_speed_truck": ("低速货车", "Low-speed truck"),
    "option.wheeled_machinery": ("轮式机械", "Wheeled machinery"),
    "option.non_commercial": ("非营运", "Non-commercial"),
    "option.commercial": ("营运", "Commercial"),
    "option.unresolved_violations": ("有未处理的违法记录", "Unresolved violations"),
    "option.unresolved_accident": ("有未处理的事故", "Unresolved accident"),
    "option.sealed_or_seized": ("被查封、扣押", "Sealed or seized"),
    "option.stolen": ("盗抢骗嫌疑", "Reported stolen"),
    "option.near_scrapping": ("距强制报废不足一年", "Within a year of scrapping"),
    "option.invalid_documents": ("证件无效", "Invalid documents"),
    "option.emergency_vehicle": ("执行紧急任务的特种车辆", "Emergency vehicle on duty"),
    "option.stolen_or_cloned": ("车辆被盗抢或号牌被套用", "Stolen, or plate cloned"),
    "option.rescue": ("为救助他人", "Rescuing someone"),
    "option.medical": ("医疗费用", "Medical costs"),
    "option.death_disability": ("死亡伤残", "Death and disability"),
    "option.property": ("财产损失", "Property damage"),
    "option.handled_on_spot": ("已现场处理", "Already handled on the spot"),
    "option.conflicting_signals": ("信号指示冲突", "Conflicting signals"),
    "option.unclear_evidence": ("证据不清", "Unclear evidence"),
    "option.plate_misread": ("号牌识别错误", "Plate misread"),
    "option.other": ("其他", "Other"),
    "option.minor": ("轻伤", "Minor"),
    "option.serious": ("重伤", "Serious"),
    "option.critical": ("危重", "Critical"),
    "option.dead": ("死亡", "Dead"),
    "option.driver_fled": ("驾驶人逃逸", "Driver fled"),
    "option.uninsured": ("未投保交强险", "No compulsory insurance"),
    "option.over_limit": ("超出交强险限额", "Over the insurance limit"),
    "option.closed": ("结案", "Closed"),
    "option.criminal": ("移送刑事", "Criminal proceedings"),
    # --- problems (the API's codes)
    "problem.plate.invalid": ("号牌号码格式不正确。", "Not a valid plate."),
    "problem.plate.wrong_province": ("新号牌须为转入地省份的号牌。", "The plate must be of that province."),
    "problem.vin.invalid": ("车辆识别代号不正确。", "Not a valid VIN."),
    "problem.id_number.invalid": ("身份证号码不正确。", "Not a valid ID number."),
    "problem.phone.invalid": ("手机号码不正确。", "Not a valid phone number."),
    "problem.province.invalid": ("请选择省份。", "Choose a province."),
    "problem.field.missing": ("必填。", "Required."),
    "problem.field.invalid": ("格式不正确。", "Not valid."),
    "problem.field.unknown": ("不接受此项。", "Not an accepted field."),
    "problem.auth.forbidden": ("当前身份无权办理此事项。", "Your role or province may not do this."),
    "problem.case.not_found": ("没有这个案件。", "No such case."),
    "problem.transfer.vehicle_blocked": (
        "该车辆存在限制（未结的异议或逃逸案件），暂不能转籍。",
        "The vehicle is held by an open objection or hit-and-run case.",
    ),
    "problem.transfer.vehicle_not_eligible": (
        "仅小型、微型非营运载客汽车可在转入地直接申请转籍。",
        "Only small or mini non-commercial passenger cars may be transferred this way.",
    ),
    "problem.transfer.same_province": ("转入地与号牌所属省份相同。", "The car is already of that province."),
    "problem.transfer.mortgagee_required": (
        "抵押车辆须由抵押权人共同申请。",
        "A mortgaged car needs its mortgagee to co-apply.",
    ),
    "problem.objection.police_report_required": (
        "以被盗抢或套牌为由的异议须提供报案回执编号。",
        "A stolen or cloned plate needs the police report number.",
    ),
    "problem.objection.same_province": (
        "处理地与发生地相同，无需跨省异议。",
        "The objection is filed in the recording province itself.",
    ),
    "problem.insurer.advance_over_limit": ("垫付金额超出交强险限额。", "The advance exceeds the limit."),
    "problem.insurer.at_fault_determined": (
        "交警已认定责任，垫付按认定结果办理。",
        "The police determined fault; the advance follows it.",
    ),
    "problem.fund.rescue_beyond_7_days": (
        "救助基金垫付抢救费用不超过自收治起7日。",
        "The fund advances rescue costs of at most 7 days from admission.",
    ),
    "problem.fund.amount_over_request": ("垫付金额超过申请金额。", "The advance exceeds the request."),
    "problem.case.version_mismatch": ("表单所依据的案件版本已过时。", "The form was for an older version."),
    "problem.case.conflict": ("另一项操作刚刚办理了此案件。", "Another command on the case won."),
    "problem.transition.not_allowed": (
        "案件当前状态下不能办理此事项。",
        "The case's state does not allow this.",
    ),
    "problem.rate_limited": ("请求过于频繁，请稍后再试。", "Too many requests; try again shortly."),
    "problem.internal.error": ("服务出错，已记录。", "An unexpected error occurred; it has been logged."),
    "problem.service.unavailable": (
        "服务暂时不可用，请稍后重试。",
        "The service is unavailable; retry shortly.",
    ),
}


class Translator:
    """The catalogue in one language; `t("key", name=value)` fills `{name}` placeholders."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self._index = LANGS.index(self.lang)

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.lang == "zh" else "en"

    @property
    def other(self) -> str:
        return "en" if self.lang == "zh" else "zh"

    def lookup(self, key: str) -> str | None:
        entry = M.get(key)
        return entry[self._index] if entry else None

    def __call__(self, key: str, **values: object) -> str:
        text = self.lookup(key)
        if text is None:
            return key
        return text.format(**values) if values else text

    def kind(self, kind: str) -> str:
        return self.lookup(f"kind.{kind}") or kind

    def status(self, kind: str, status: str | None) -> str:
        if not status:
            return "—"
        return self.lookup(f"status.{kind}.{status}") or status

    def role(self, role: str | None) -> str:
        return (self.lookup(f"role.{role}") or role or "—") if role else "—"

    def side(self, side: str | None) -> str:
        return (self.lookup(f"side.{side}") or side or "—") if side else "—"

    def action(self, action: str) -> str:
        return self.lookup(f"action.{action}") or action.replace("_", " ")

    def event(self, event_type: str) -> str:
        return self.lookup(f"event.{event_type}") or event_type

    def option(self, value: object) -> str:
        text = str(value)
        return self.lookup(f"option.{text}") or text.replace("_", " ")

    def field(self, path: str) -> str:
        """A field's label: its full dotted path's, else its last name's (row indexes skipped)."""
        parts = [part for part in path.split(".") if not part.isdigit()]
        for key in (".".join(parts), ".".join(parts[-2:]), parts[-1] if parts else path):
            text = self.lookup(f"field.{key}")
            if text is not None:
                return text
        return (parts[-1] if parts else path).replace("_", " ")

    def deadline(self, name: str) -> str:
        """`assistance_ack:500000` is the acknowledgement clock of 500000."""
        term, _, province = name.partition(":")
        label = self.lookup(f"deadline.{term}") or term.replace("_", " ")
        if province:
            from xborder.console.geography import province_label

            return f"{label} · {province_label(province)}"
        return label

    def problem(self, code: str, fallback: str) -> str:
        """The API's problem in the page's language when the catalogue knows its code; else the API's
        own words (English), which always say what went wrong."""
        if self.lang == "zh":
            return self.lookup(f"problem.{code}") or fallback or code
        return fallback or self.lookup(f"problem.{code}") or code


def pick_lang(request: Request, cookies: Mapping[str, str] | None = None) -> str:
    """The language: `?lang=` when given, else the `xborder_lang` cookie, else Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    stored = (cookies if cookies is not None else request.cookies).get(LANG_COOKIE)
    return stored if stored in LANGS else DEFAULT_LANG
