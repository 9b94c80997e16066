//! The one error type of cmdb: a bk-cmdb error code plus the arguments of its message.
//! Messages are rendered in the request language only at the edge (`Error::message`).

use crate::Lang;
use std::fmt;

/// bk-cmdb / ESB error codes used by this server (conventions.md §3).
pub mod code {
    pub const SUCCESS: i64 = 0;
    pub const ESB_SYSTEM: i64 = 1306000;
    pub const ESB_NO_USER: i64 = 1306401;
    pub const ESB_APP_AUTH: i64 = 1306403;
    pub const ESB_NOT_FOUND: i64 = 1306404;
    pub const ESB_PARAM: i64 = 1306406;
    pub const ESB_BODY_TOO_LARGE: i64 = 1306413;
    pub const JSON_UNMARSHAL: i64 = 1199000;
    pub const HTTP_INPUT_INVALID: i64 = 1199003;
    pub const BODY_EMPTY: i64 = 1199005;
    pub const PARAMS_INVALID: i64 = 1199006;
    pub const NEED_STRING: i64 = 1199007;
    pub const LOST_FIELD: i64 = 1199008;
    pub const NEED_INT: i64 = 1199009;
    pub const NEED_SET: i64 = 1199010;
    pub const IS_INVALID: i64 = 1199011;
    pub const NOT_SUPPORT_MULTIPLE: i64 = 1199012;
    pub const DUPLICATE_ITEM: i64 = 1199014;
    pub const OVER_LIMIT: i64 = 1199015;
    pub const REGEX_FAILED: i64 = 1199016;
    pub const DB_SELECT: i64 = 1199017;
    pub const NOT_FOUND: i64 = 1199019;
    pub const NEED_TIMEZONE: i64 = 1199024;
    pub const NEED_BOOL: i64 = 1199025;
    pub const EXCEED_LIMIT: i64 = 1199035;
    pub const INST_DATA_NIL: i64 = 1199038;
    pub const BUILTIN_FORBIDDEN: i64 = 1199054;
    pub const PAGE_LIMIT_EXCEEDED: i64 = 1199059;
    pub const VAL_EXCEED_MAX: i64 = 1199073;
    pub const MAINLINE_WITH_COMMON_API: i64 = 1199075;
    pub const MODIFY_FIELD_FORBIDDEN: i64 = 1199083;
    pub const INNER_MODEL_WITH_COMMON_API: i64 = 1199084;
    pub const UNEXPECTED_FIELD_TYPE: i64 = 1199085;
    pub const ARRAY_LENGTH_WRONG: i64 = 1199089;
    pub const ILLEGAL_REGEX_OPTION: i64 = 1199090;
    pub const NEED_SINGLE_CHOICE: i64 = 1199092;
    pub const UNKNOWN: i64 = 1199998;
    pub const INTERNAL: i64 = 1199999;
    pub const MODEL_SELECT_FAILED: i64 = 1101007;
    pub const CLASSIFICATION_NOT_EXIST: i64 = 1101024;
    pub const CLASSIFICATION_HAS_OBJECT: i64 = 1101029;
    pub const HAS_HOST: i64 = 1101030;
    pub const TOPO_LEVEL_OVER_LIMIT: i64 = 1101035;
    pub const OBJECT_HAS_INSTANCES: i64 = 1101037;
    pub const OBJECT_ASSOCIATION_NOT_EXIST: i64 = 1101046;
    pub const OBJECT_HAS_ASSOCIATION: i64 = 1101053;
    pub const ASST_KIND_NOT_EXIST: i64 = 1101072;
    pub const ASST_SRC_NOT_EXIST: i64 = 1101073;
    pub const ASST_DST_NOT_EXIST: i64 = 1101074;
    pub const INST_HAS_ASSOCIATION: i64 = 1101075;
    pub const ONE_TO_ONE_USED: i64 = 1101052;
    pub const ONE_TO_MANY_USED: i64 = 1101061;
    pub const OBJECT_ASSOCIATION_NOT_UNIQUE: i64 = 1101062;
    pub const ASSOCIATIONS_EXIST: i64 = 1101038;
    pub const MAINLINE_KIND_UNAVAILABLE: i64 = 1101082;
    pub const MODEL_PAUSED: i64 = 1101084;
    pub const MAINLINE_REQUIRED_ATTR: i64 = 1101092;
    pub const ATTRIBUTE_ID_DUPLICATED: i64 = 1101107;
    pub const REGEX_COMPILE_FAILED: i64 = 1101109;
    pub const CLASSIFICATION_NOT_FOUND: i64 = 1101113;
    pub const FIELD_TEMPLATE_ATTR: i64 = 1101122;
    pub const MAINLINE_NAME_CLASH: i64 = 1101149;
    pub const DELETE_BUILTIN_MODEL: i64 = 1101135;
    pub const MAINLINE_ASSOCIATION_NOT_EXIST: i64 = 1101048;
    pub const MODULE_NOT_FOUND: i64 = 1101080;
    pub const ARCHIVE_BIZ_HAS_HOST: i64 = 1101087;
    pub const SERVICE_TEMPLATE_CATEGORY_FIXED: i64 = 1101090;
    pub const SERVICE_TEMPLATE_NAME_FIXED: i64 = 1101091;
    pub const SET_FROM_TEMPLATE: i64 = 1101097;
    pub const BUILTIN_TOPO_NODE: i64 = 1101098;
    pub const DUPLICATE_SET_NAME: i64 = 1101108;
    pub const RESOURCE_POOL_BIZ: i64 = 1101111;
    pub const BIZ_NOT_ARCHIVED: i64 = 1101112;
    pub const BUILTIN_BIZ_SET_DELETE: i64 = 1101115;
    pub const BUILTIN_BIZ_SET_SCOPE: i64 = 1101116;
    pub const DUPLICATE_BIZ_SET_NAME: i64 = 1101118;
    pub const TOPO_NOT_NEIGHBOUR: i64 = 1199078;
    pub const SUBSCRIPTION_NOT_FOUND: i64 = 1103001;
    pub const SUBSCRIPTION_UPDATE_FAILED: i64 = 1103003;
    pub const WATCH_CURSOR_EXPIRED: i64 = 1103007;
    pub const WATCH_NO_DETAIL: i64 = 1103008;
    pub const DUPLICATE_CATEGORY_NAME: i64 = 1113017;
    pub const CATEGORY_HAS_CHILDREN: i64 = 1199055;
    pub const CATEGORY_IN_USE: i64 = 1199056;
    pub const CREATE_INSTANCE_FAILED: i64 = 1101000;
    pub const DELETE_INSTANCE_FAILED: i64 = 1101001;
    pub const CLOUD_AREA_NOT_FOUND: i64 = 1101032;
    pub const BIZ_MODULE_LOOKUP_FAILED: i64 = 1101033;
    pub const HOST_HAS_ASSOCIATION: i64 = 1101036;
    pub const GSE_DISABLED: i64 = 1103011;
    pub const QUERY_HOST_FAILED: i64 = 1110001;
    pub const CREATE_HOST_FAILED: i64 = 1110004;
    pub const MOVE_HOSTS_FAILED: i64 = 1110006;
    pub const HOST_NOT_FOUND: i64 = 1110008;
    pub const HOST_NOT_IN_BIZ: i64 = 1110023;
    pub const HOST_NOT_IN_BIZ_2: i64 = 1110024;
    pub const ADD_HOST_TO_MODULE_FAILED: i64 = 1110030;
    pub const BIZ_ARCHIVED: i64 = 1110031;
    pub const RESOURCE_POOL_NOT_FOUND: i64 = 1110051;
    pub const HOST_ALREADY_IN_POOL: i64 = 1110052;
    pub const MODULE_KIND_NOT_FOUND: i64 = 1110054;
    pub const HOSTS_NOT_IN_MODULES: i64 = 1110056;
    pub const MODULE_NOT_IN_BIZ: i64 = 1110061;
    pub const DEFAULT_CLOUD_AREA: i64 = 1110066;
    pub const HOSTS_NOT_IN_BIZ: i64 = 1113002;
    pub const MODULES_NOT_IN_BIZ: i64 = 1113004;
    pub const MIXED_INTERNAL_MODULES: i64 = 1113005;
    pub const BIZ_NOT_EXIST: i64 = 1113006;
    pub const INTERNAL_MODULE_TARGET: i64 = 1113013;
    pub const BUILTIN_CLOUD_AREA: i64 = 1199076;
    pub const HTTP_REQUEST_FAILED: i64 = 1199002;
    pub const INIT_FAILED: i64 = 1199031;
    pub const TOO_MANY_RECORDS: i64 = 1199081;
    pub const ONE_OF_REQUIRED: i64 = 1199091;
    pub const BIZ_NOT_EXIST_NAMED: i64 = 1199079;
    pub const MULTIPLE_FOUND: i64 = 1199052;
    pub const ATTR_IN_UNIQUE: i64 = 1113024;
    pub const NO_NEW_REQUIRED_FIELD: i64 = 1113026;
    pub const NO_CHANGE_REQUIRED: i64 = 1113027;
    pub const NO_NEW_FIELD: i64 = 1113028;
    pub const DELETE_PROC_TEMPLATE_FAILED: i64 = 1108014;
    pub const DELETE_SERVICE_TEMPLATE_FAILED: i64 = 1108030;
    pub const TEMPLATE_INSTANCE_PROCESS: i64 = 1108035;
    pub const BIND_PORT_MISSING: i64 = 1107014;
    pub const BIND_PROTOCOL_MISSING: i64 = 1107015;
    pub const HOSTS_WITHOUT_MODULE: i64 = 1113003;
    pub const SERVICE_INSTANCE_EXISTS: i64 = 1113016;
    pub const MODULE_NOT_FROM_TEMPLATE: i64 = 1113018;
    pub const DUPLICATE_PROCESS_NAME: i64 = 1113019;
    pub const DUPLICATE_PROCESS_FUNC: i64 = 1113020;
    pub const TEMPLATE_PROCESS_DELETE: i64 = 1113022;
    pub const CATEGORY_NOT_LEAF: i64 = 1113032;
    pub const SET_NOT_FROM_TEMPLATE: i64 = 1101011;
    pub const MODULE_LOOKUP_FAILED: i64 = 1101034;
}

/// An error as bk-cmdb reports it: a code and the values that fill its message template.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: i64,
    pub args: Vec<String>,
    /// `data` of the failure envelope, for the few endpoints that report details with an error.
    pub data: Option<Box<serde_json::Value>>,
}

impl Error {
    pub fn new(code: i64) -> Self {
        Error { code, args: Vec::new(), data: None }
    }
    pub fn with(code: i64, arg: impl Into<String>) -> Self {
        Error { code, args: vec![arg.into()], data: None }
    }
    pub fn with2(code: i64, a: impl Into<String>, b: impl Into<String>) -> Self {
        Error { code, args: vec![a.into(), b.into()], data: None }
    }
    /// The same error answering with `data` in its envelope.
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(Box::new(data));
        self
    }

    /// `'field'` failed validation.
    pub fn invalid(field: impl Into<String>) -> Self {
        Error::with(code::PARAMS_INVALID, field)
    }
    /// `'field'` is invalid or refers to something that does not exist.
    pub fn is_invalid(field: impl Into<String>) -> Self {
        Error::with(code::IS_INVALID, field)
    }
    /// required `'field'` missing.
    pub fn missing(field: impl Into<String>) -> Self {
        Error::with(code::NEED_SET, field)
    }
    pub fn duplicate(field: impl Into<String>) -> Self {
        Error::with(code::DUPLICATE_ITEM, field)
    }
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Error::with2(code::VAL_EXCEED_MAX, field, max.to_string())
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Error::with(code::INTERNAL, detail)
    }
    pub fn db(detail: impl fmt::Display) -> Self {
        Error::with(code::DB_SELECT, detail.to_string())
    }
    /// Wraps an inner validation error the way bk-cmdb's core does: outer 1199011 carrying the inner message.
    pub fn wrap_invalid(self, lang: Lang) -> Self {
        if self.code == code::IS_INVALID || self.code == code::DUPLICATE_ITEM {
            return self;
        }
        Error::with(code::IS_INVALID, self.message(lang))
    }

    /// The message in the given language, the template filled with the arguments.
    pub fn message(&self, lang: Lang) -> String {
        let (en, zh) = template(self.code);
        let t = match lang {
            Lang::En => en,
            Lang::Zh => zh,
        };
        fill(t, &self.args)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message(Lang::En))
    }
}

impl std::error::Error for Error {}

fn fill(t: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(t.len() + 16);
    let mut rest = t;
    let mut i = 0;
    while let Some(pos) = rest.find("%s") {
        out.push_str(&rest[..pos]);
        out.push_str(args.get(i).map(String::as_str).unwrap_or(""));
        i += 1;
        rest = &rest[pos + 2..];
    }
    out.push_str(rest);
    out
}

fn template(c: i64) -> (&'static str, &'static str) {
    use code::*;
    match c {
        SUCCESS => ("success", "success"),
        ESB_SYSTEM => ("System error: %s", "系统错误: %s"),
        ESB_NO_USER => (
            "User authentication failed, please provide a valid user identity (bk_username or bk_token)",
            "用户认证失败，请提供有效的用户身份（bk_username 或 bk_token）",
        ),
        ESB_APP_AUTH => ("App authentication failed: %s", "应用认证失败: %s"),
        ESB_NOT_FOUND => ("The component [%s] does not exist", "组件 [%s] 不存在"),
        ESB_PARAM => ("Parameters error, param %s is required", "参数错误，参数 %s 必填"),
        ESB_BODY_TOO_LARGE => ("Request body exceeds the limit of %s bytes", "请求体超过 %s 字节的限制"),
        JSON_UNMARSHAL => ("Unmarshal json failed: %s", "JSON 数据解析失败: %s"),
        HTTP_INPUT_INVALID => ("The input parameter %s is invalid", "输入参数 %s 无效"),
        BODY_EMPTY => ("The HTTP request body is empty", "HTTP 请求体为空"),
        PARAMS_INVALID => ("'%s' validation failed", "参数 '%s' 校验失败"),
        NEED_STRING => ("'%s' must be a string", "参数 '%s' 必须是字符串"),
        LOST_FIELD => ("'%s' is missing", "参数 '%s' 缺失"),
        NEED_INT => ("'%s' must be an integer", "参数 '%s' 必须是整数"),
        NEED_SET => ("'%s' is required and must be set", "参数 '%s' 必填"),
        IS_INVALID => ("'%s' is invalid", "参数 '%s' 无效"),
        NOT_SUPPORT_MULTIPLE => ("this field type does not support multiple values", "该字段类型不支持多值"),
        DUPLICATE_ITEM => ("duplicated instances exist, fields [%s] duplicated", "数据重复，字段 [%s] 重复"),
        OVER_LIMIT => ("'%s' exceeds the maximum length", "'%s' 超过最大长度"),
        REGEX_FAILED => ("'%s' does not match the regular expression", "'%s' 不符合正则表达式"),
        DB_SELECT => ("storage operation failed: %s", "数据存储操作失败: %s"),
        NOT_FOUND => ("the target '%s' was not found", "目标 '%s' 不存在"),
        NEED_TIMEZONE => ("'%s' must be a time zone", "参数 '%s' 必须是时区"),
        NEED_BOOL => ("'%s' must be a boolean", "参数 '%s' 必须是布尔值"),
        EXCEED_LIMIT => ("%s exceed the limit %s", "%s 超过限制 %s"),
        INST_DATA_NIL => ("the data list '%s' is empty", "数据列表 '%s' 为空"),
        BUILTIN_FORBIDDEN => ("built-in item may not be changed or removed", "内置数据不允许修改或删除"),
        PAGE_LIMIT_EXCEEDED => ("page limit exceeds the maximum", "分页大小超过最大值"),
        VAL_EXCEED_MAX => ("'%s' exceeds the maximum %s", "'%s' 超过最大值 %s"),
        MAINLINE_WITH_COMMON_API => (
            "mainline instances must be operated with the dedicated topology endpoints",
            "主线模型实例需要使用专用的拓扑接口操作",
        ),
        MODIFY_FIELD_FORBIDDEN => ("field '%s' may not be modified", "字段 '%s' 不允许修改"),
        INNER_MODEL_WITH_COMMON_API => (
            "instances of built-in models must be operated with their dedicated endpoints",
            "内置模型实例需要使用专用接口操作",
        ),
        UNEXPECTED_FIELD_TYPE => ("unknown attribute type '%s'", "未知的字段类型 '%s'"),
        ARRAY_LENGTH_WRONG => ("array '%s' must have 1 to %s elements", "数组 '%s' 的长度必须在 1 到 %s 之间"),
        ILLEGAL_REGEX_OPTION => ("the option must be a regular expression string", "选项必须是正则表达式字符串"),
        NEED_SINGLE_CHOICE => ("'%s' must have exactly one choice", "'%s' 必须是单选"),
        UNKNOWN => ("unknown or unrecognized error: %s", "未知错误: %s"),
        INTERNAL => ("internal server error: %s", "服务器内部错误: %s"),
        MODEL_SELECT_FAILED => ("failed to find the model", "查询模型失败"),
        CLASSIFICATION_NOT_EXIST => ("the classification '%s' does not exist", "模型分组 '%s' 不存在"),
        CLASSIFICATION_HAS_OBJECT => {
            ("the classification still has models and cannot be deleted", "模型分组下存在模型，不能删除")
        }
        HAS_HOST => ("the target still has hosts", "目标下仍有主机"),
        TOPO_LEVEL_OVER_LIMIT => ("the business topology has reached its maximum level", "业务拓扑层级已达上限"),
        OBJECT_HAS_INSTANCES => ("the model '%s' has instances and cannot be deleted", "模型 '%s' 下有实例，不能删除"),
        OBJECT_ASSOCIATION_NOT_EXIST => ("the model association does not exist", "模型关联不存在"),
        OBJECT_HAS_ASSOCIATION => ("the model still takes part in model associations", "模型存在关联关系，不能删除"),
        ASST_KIND_NOT_EXIST => ("the association kind does not exist", "关联类型不存在"),
        ASST_SRC_NOT_EXIST => ("the source instance of the association does not exist", "关联的源实例不存在"),
        ASST_DST_NOT_EXIST => ("the target instance of the association does not exist", "关联的目标实例不存在"),
        INST_HAS_ASSOCIATION => ("the instance still has associations", "实例存在关联关系，不能删除"),
        ONE_TO_ONE_USED => ("the 1:1 association already has an instance on one side", "一对一关联已被使用"),
        ONE_TO_MANY_USED => ("the 1:n association target already has a source", "一对多关联的目标实例已有关联"),
        OBJECT_ASSOCIATION_NOT_UNIQUE => ("several model associations share that id", "存在多个相同标识的模型关联"),
        ASSOCIATIONS_EXIST => ("the associations %s already exist", "关联关系 %s 已存在"),
        MAINLINE_KIND_UNAVAILABLE => ("the bk_mainline association kind cannot be used here", "拓扑组成关联类型不可用"),
        MODEL_PAUSED => ("the model is paused", "模型已停用"),
        MAINLINE_REQUIRED_ATTR => {
            ("a required attribute cannot be added to a mainline model", "主线模型不允许添加必填字段")
        }
        ATTRIBUTE_ID_DUPLICATED => ("the attribute id '%s' already exists", "字段唯一标识 '%s' 已存在"),
        REGEX_COMPILE_FAILED => ("the regular expression '%s' is invalid", "正则表达式 '%s' 校验失败"),
        CLASSIFICATION_NOT_FOUND => ("the classification was not found", "模型分组不存在"),
        FIELD_TEMPLATE_ATTR => ("the attribute comes from a field template", "字段来自字段模板，不能删除"),
        MAINLINE_NAME_CLASH => {
            ("removing the level would leave sibling instances with the same name", "删除该层级会导致同级实例重名")
        }
        DELETE_BUILTIN_MODEL => ("built-in models cannot be deleted", "内置模型不能删除"),
        MAINLINE_ASSOCIATION_NOT_EXIST => ("the mainline model association does not exist", "主线模型关联不存在"),
        SUBSCRIPTION_NOT_FOUND => ("the subscription does not exist", "订阅不存在"),
        SUBSCRIPTION_UPDATE_FAILED => {
            ("the subscription does not exist or its name is already used", "订阅不存在或名称已被使用")
        }
        WATCH_CURSOR_EXPIRED => (
            "the cursor is expired, unknown or malformed; watch again from now or from a start time",
            "游标已过期、未知或格式错误，请从当前或指定时间重新监听",
        ),
        WATCH_NO_DETAIL => ("the event has no detail", "事件详情不存在"),
        DUPLICATE_CATEGORY_NAME => ("a service category with this name already exists", "服务分类名称已存在"),
        CATEGORY_HAS_CHILDREN => ("the service category has child categories", "服务分类下存在子分类"),
        CATEGORY_IN_USE => ("the record is still in use and cannot be removed", "数据仍被使用，不能删除"),
        CREATE_INSTANCE_FAILED => ("failed to create the instance: %s", "创建实例失败: %s"),
        DELETE_INSTANCE_FAILED => ("failed to delete the instance: %s", "删除实例失败: %s"),
        CLOUD_AREA_NOT_FOUND => ("the cloud area does not exist", "管控区域不存在"),
        BIZ_MODULE_LOOKUP_FAILED => ("the business or its module was not found", "业务或模块查询失败"),
        HOST_HAS_ASSOCIATION => {
            ("the host is associated with another instance and cannot be deleted", "主机存在关联关系，不能删除")
        }
        GSE_DISABLED => ("host identifier sync through GSE is not enabled", "未开启通过 GSE 同步主机身份"),
        QUERY_HOST_FAILED => ("no host was found", "查询主机失败"),
        CREATE_HOST_FAILED => ("failed to create hosts", "创建主机失败"),
        MOVE_HOSTS_FAILED => ("failed to move the hosts", "转移主机失败"),
        HOST_NOT_FOUND => ("the host does not exist", "主机不存在"),
        HOST_NOT_IN_BIZ => ("the host does not belong to the business", "主机不属于该业务"),
        HOST_NOT_IN_BIZ_2 => ("the host does not belong to the business", "主机不属于该业务"),
        ADD_HOST_TO_MODULE_FAILED => ("failed to add the hosts to the module: %s", "添加主机到模块失败: %s"),
        BIZ_ARCHIVED => ("the business is archived", "业务已归档"),
        RESOURCE_POOL_NOT_FOUND => ("the resource pool was not found", "资源池不存在"),
        HOST_ALREADY_IN_POOL => ("the hosts are already in the resource pool", "主机已在资源池中"),
        MODULE_KIND_NOT_FOUND => ("%s module not found", "%s 模块不存在"),
        HOSTS_NOT_IN_MODULES => {
            ("these hosts do not belong to the expected modules: %s", "这些主机不属于预期的模块: %s")
        }
        MODULE_NOT_IN_BIZ => ("module %s does not belong to business %s", "模块 %s 不属于业务 %s"),
        DEFAULT_CLOUD_AREA => ("the default cloud area cannot be deleted", "默认管控区域不能删除"),
        HOSTS_NOT_IN_BIZ => ("the hosts do not belong to the business", "主机不属于该业务"),
        MODULES_NOT_IN_BIZ => ("the modules do not belong to the business", "模块不属于该业务"),
        MIXED_INTERNAL_MODULES => (
            "several target modules, or an incremental transfer, may not include an internal module",
            "多个目标模块或增量转移时不能包含内置模块",
        ),
        BIZ_NOT_EXIST => ("the business does not exist", "业务不存在"),
        INTERNAL_MODULE_TARGET => (
            "internal modules must be targeted with the dedicated transfer endpoints",
            "内置模块需要使用专用的转移接口",
        ),
        BUILTIN_CLOUD_AREA => ("the built-in cloud area cannot be updated", "内置管控区域不能修改"),
        HTTP_REQUEST_FAILED => ("HTTP request failed: %s", "HTTP 请求失败: %s"),
        INIT_FAILED => ("'%s' initialization failed", "'%s' 初始化失败"),
        TOO_MANY_RECORDS => ("too many records at once (max %s)", "一次操作的记录过多（最多 %s）"),
        ONE_OF_REQUIRED => ("at least one of %s and %s must be set", "%s 和 %s 至少需要设置一个"),
        BIZ_NOT_EXIST_NAMED => ("business %s does not exist", "业务 %s 不存在"),
        MULTIPLE_FOUND => ("several records were found where one was expected", "找到多条记录"),
        MODULE_NOT_FOUND => ("the module was not found", "模块不存在"),
        ARCHIVE_BIZ_HAS_HOST => ("the business still has hosts and cannot be archived", "业务下仍有主机，不能归档"),
        SERVICE_TEMPLATE_CATEGORY_FIXED => (
            "the module was created from a service template: its service category cannot be changed",
            "模块由服务模板创建，不能修改服务分类",
        ),
        SERVICE_TEMPLATE_NAME_FIXED => (
            "the module was created from a service template: its name cannot be changed",
            "模块由服务模板创建，不能修改模块名",
        ),
        SET_FROM_TEMPLATE => (
            "the set was created from a set template: modules cannot be added or removed directly",
            "集群由集群模板创建，不能直接增删模块",
        ),
        BUILTIN_TOPO_NODE => ("built-in sets and modules cannot be changed or deleted", "内置集群和模块不能修改或删除"),
        DUPLICATE_SET_NAME => ("a set with this name already exists under the parent", "同一父节点下已存在同名集群"),
        RESOURCE_POOL_BIZ => ("the resource pool business cannot be deleted", "资源池业务不能删除"),
        BIZ_NOT_ARCHIVED => ("the business must be archived before deletion", "业务需要先归档才能删除"),
        BUILTIN_BIZ_SET_DELETE => ("the built-in business set cannot be deleted", "内置业务集不能删除"),
        BUILTIN_BIZ_SET_SCOPE => {
            ("the scope of the built-in business set cannot be changed", "内置业务集的业务范围不能修改")
        }
        DUPLICATE_BIZ_SET_NAME => ("a business set with this name already exists", "业务集名称已存在"),
        TOPO_NOT_NEIGHBOUR => (
            "module '%s' in business topology does not exist: the levels are not neighbours",
            "业务拓扑中的 '%s' 不是相邻层级",
        ),
        ATTR_IN_UNIQUE => ("the attribute is used by a unique rule", "字段被唯一校验规则使用"),
        NO_NEW_REQUIRED_FIELD => ("the model '%s' does not accept new required fields", "模型 '%s' 不允许新增必填字段"),
        NO_CHANGE_REQUIRED => ("the model '%s' does not allow changing isrequired", "模型 '%s' 不允许修改必填属性"),
        NO_NEW_FIELD => ("the model '%s' does not accept new fields", "模型 '%s' 不允许新增字段"),
        DELETE_PROC_TEMPLATE_FAILED => ("failed to delete the process templates", "删除进程模板失败"),
        DELETE_SERVICE_TEMPLATE_FAILED => (
            "failed to delete the service template: it does not exist or is still used by modules or service instances",
            "删除服务模板失败：模板不存在或仍被模块或服务实例使用",
        ),
        TEMPLATE_INSTANCE_PROCESS => (
            "processes of a service instance created from a template are added through its template",
            "通过模板创建的服务实例只能通过模板添加进程",
        ),
        BIND_PORT_MISSING => ("the bind port is empty", "绑定端口为空"),
        BIND_PROTOCOL_MISSING => ("the bind protocol is empty", "绑定协议为空"),
        HOSTS_WITHOUT_MODULE => ("the hosts belong to no module", "主机不属于任何模块"),
        SERVICE_INSTANCE_EXISTS => (
            "host %s already has a service instance of this template in the module",
            "主机 %s 在该模块下已存在此模板的服务实例",
        ),
        MODULE_NOT_FROM_TEMPLATE => {
            ("the module was not created from the service template", "模块不是通过该服务模板创建的")
        }
        DUPLICATE_PROCESS_NAME => ("the process name '%s' is already used", "进程别名 '%s' 已存在"),
        DUPLICATE_PROCESS_FUNC => {
            ("the process name and start parameter '%s' are already used", "进程名称和启动参数 '%s' 已存在")
        }
        TEMPLATE_PROCESS_DELETE => {
            ("processes %s were created from templates and cannot be deleted", "进程 %s 由模板创建，不能删除")
        }
        MODULE_LOOKUP_FAILED => ("failed to find the module", "查询模块失败"),
        SET_NOT_FROM_TEMPLATE => (
            "set %s does not exist in the business or was not created from the set template",
            "集群 %s 不存在或不是通过该集群模板创建的",
        ),
        CATEGORY_NOT_LEAF => ("the service category is not a leaf category", "服务分类不是末级分类"),
        _ => ("error %s", "错误 %s"),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_filled_in_both_languages() {
        let e = Error::with(code::NEED_SET, "bk_obj_id");
        assert_eq!(e.message(Lang::En), "'bk_obj_id' is required and must be set");
        assert!(e.message(Lang::Zh).contains("bk_obj_id"));
        assert_ne!(e.message(Lang::En), e.message(Lang::Zh));
    }
}
