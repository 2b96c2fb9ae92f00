"""Strings of sign-in, roles and the admin page (用户与审计): key -> (Chinese, English); see
dashboard.i18n. Keys start with ``auth_`` or ``adm_``; ``auth_role_<role>`` names each role of
daihou.access.ROLES and ``adm_event_<event>`` each audit-log event.
"""

TEXT: dict[str, tuple[str, str]] = {
    "auth_title": ("登录", "Sign in"),
    "auth_intro": (
        "贷后管理监测平台仅限授权人员使用，登录后按岗位权限显示数据。",
        "For authorised staff only; after signing in you see what your post allows.",
    ),
    "auth_username": ("用户名", "Username"),
    "auth_password": ("密码", "Password"),
    "auth_submit": ("登录", "Sign in"),
    "auth_refused": (
        "用户名或密码错误，或账户已停用。",
        "Wrong username or password, or the account is disabled.",
    ),
    "auth_locked": (
        "该用户名连续登录失败次数过多，已暂时锁定，请于 {until} 后再试，或联系系统管理员。",
        "Too many failed sign-ins for this username: locked until {until}. Try again then, or "
        "ask your administrator.",
    ),
    "auth_no_accounts": (
        "尚未创建任何账户。系统管理员请在服务器上运行：\n\n"
        "`daihou users add <用户名> --role admin --org <机构号>`",
        "No account exists yet. An administrator creates one on the server with:\n\n"
        "`daihou users add <USERNAME> --role admin --org <ORG_ID>`",
    ),
    "auth_expired": ("会话已超时，请重新登录。", "Your session has expired; please sign in again."),
    "auth_account_changed": (
        "您的账户已被停用或权限已变更，请重新登录。",
        "Your account was disabled or its role changed; please sign in again.",
    ),
    "auth_signed_out": ("您已退出登录。", "You have signed out."),
    "auth_sign_out": ("退出登录", "Sign out"),
    "auth_demo_title": ("演示账户（仅演示环境显示）", "Demo accounts (shown in the demo only)"),
    "auth_demo_caption": (
        "以下账户由 `daihou demo` 创建，密码公开，切勿用于生产环境。",
        "Created by `daihou demo`; the passwords are public: never use them in production.",
    ),
    "auth_role": ("岗位", "Role"),
    "auth_signed_in_as": ("当前用户：{name}（{role}，{org}）", "User: {name} ({role}, {org})"),
    "auth_role_admin": ("系统管理员", "Administrator"),
    "auth_role_supervision": ("信贷监督部", "Credit supervision"),
    "auth_role_branch_head": ("分支行负责人", "Branch head"),
    "auth_role_account_manager": ("客户经理", "Account manager"),
    "auth_role_hr": ("人力资源部", "HR"),
    "auth_page_refused": ("您的岗位无权查看此内容。", "Your role may not see this."),
    # admin page
    "page_admin": ("用户与审计", "Users & audit"),
    "adm_accounts": ("账户", "Accounts"),
    "adm_accounts_caption": (
        "共 {n} 个账户。密码只以 Argon2id 哈希保存；停用立即生效（该用户的会话随即结束）。",
        "{n} accounts. Passwords are stored only as Argon2id hashes; disabling takes effect "
        "at once (the user's session ends).",
    ),
    "adm_display_name": ("姓名", "Name"),
    "adm_org": ("机构", "Institution"),
    "adm_staff_id": ("员工号", "Staff id"),
    "adm_status": ("状态", "Status"),
    "adm_active": ("启用", "active"),
    "adm_disabled": ("已停用", "disabled"),
    "adm_add": ("新建账户", "New account"),
    "adm_password_again": ("再次输入密码", "Password again"),
    "adm_passwords_differ": ("两次输入的密码不一致。", "The passwords differ."),
    "adm_add_submit": ("创建", "Create"),
    "adm_added": ("已创建账户 {username}。", "Account {username} created."),
    "adm_change": ("修改岗位或停用", "Change role or disable"),
    "adm_account": ("账户", "Account"),
    "adm_set_role": ("修改岗位", "Change role"),
    "adm_role_set": ("账户 {username} 现为 {role}（{org}）。", "{username} is now {role} ({org})."),
    "adm_disable": ("停用账户", "Disable account"),
    "adm_disabled_done": ("账户 {username} 已停用。", "Account {username} disabled."),
    "adm_staff_help": (
        "客户经理账户必填：其本人的员工号，决定“本人管户”的范围。",
        "Required for an account manager: their own staff id, which defines their own book.",
    ),
    "adm_audit": ("审计日志", "Audit log"),
    "adm_audit_caption": (
        "只增不改：数据库触发器拒绝修改和删除。显示最新 {n} 条（按条件筛选）。",
        "Append-only: database triggers refuse changes and deletions. Latest {n} entries "
        "(filtered).",
    ),
    "adm_audit_user": ("用户名", "Username"),
    "adm_audit_event": ("事件", "Event"),
    "adm_audit_since": ("起始日期", "From"),
    "adm_all_events": ("全部事件", "All events"),
    "adm_at": ("时间（UTC）", "Time (UTC)"),
    "adm_detail": ("内容", "Detail"),
    "adm_event_login": ("登录", "sign-in"),
    "adm_event_login_failed": ("登录失败", "failed sign-in"),
    "adm_event_login_locked": ("锁定期内尝试登录", "sign-in while locked"),
    "adm_event_logout": ("退出登录", "sign-out"),
    "adm_event_session_expired": ("会话超时", "session expired"),
    "adm_event_session_ended": ("会话终止（账户变更）", "session ended (account changed)"),
    "adm_event_open_borrower": ("打开客户视图", "borrower file opened"),
    "adm_event_export": ("导出", "export"),
    "adm_event_refused": ("越权请求被拒绝", "request refused"),
    "adm_event_account_added": ("新建账户", "account added"),
    "adm_event_account_role": ("修改岗位", "role changed"),
    "adm_event_account_disabled": ("停用账户", "account disabled"),
}
