//! The built-in data of a fresh system (builtin-data.md), as plain values. The store's first
//! migration writes it once; the i18n module reads the English names from here.

/// `(bk_classification_id, zh, en, type, icon)` in creation order (ids 1..).
pub const CLASSIFICATIONS: &[(&str, &str, &str, &str, &str)] = &[
    ("bk_host_manage", "主机管理", "Host Management", "", "icon-cc-host"),
    ("bk_biz_topo", "业务拓扑", "Business Topology", "", "icon-cc-business"),
    ("bk_organization", "组织架构", "Organization", "", "icon-cc-organization"),
    ("bk_network", "网络", "Network", "", "icon-cc-network-equipment"),
    ("bk_uncategorized", "未分类", "Uncategorized", "inner", "icon-cc-default"),
    ("bk_table_classification", "表格分类", "Table Classification", "hidden", ""),
];

pub struct BuiltinObject {
    pub obj_id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub classification: &'static str,
    pub icon: &'static str,
    pub ispre: bool,
    pub position: &'static str,
}

const fn obj(
    obj_id: &'static str,
    zh: &'static str,
    en: &'static str,
    classification: &'static str,
    icon: &'static str,
    ispre: bool,
    position: &'static str,
) -> BuiltinObject {
    BuiltinObject { obj_id, zh, en, classification, icon, ispre, position }
}

pub const OBJECTS: &[BuiltinObject] = &[
    obj(
        "biz",
        "业务",
        "Business",
        "bk_organization",
        "icon-cc-business",
        true,
        r#"{"bk_organization":{"x":-100,"y":-100}}"#,
    ),
    obj("set", "集群", "Set", "bk_biz_topo", "icon-cc-set", true, ""),
    obj("module", "模块", "Module", "bk_biz_topo", "icon-cc-module", true, ""),
    obj("host", "主机", "Host", "bk_host_manage", "icon-cc-host", true, r#"{"bk_host_manage":{"x":-600,"y":-650}}"#),
    obj(
        "process",
        "进程",
        "Process",
        "bk_host_manage",
        "icon-cc-process",
        true,
        r#"{"bk_host_manage":{"x":-450,"y":-650}}"#,
    ),
    obj(
        "plat",
        "云区域",
        "Plat",
        "bk_host_manage",
        "icon-cc-subnet",
        true,
        r#"{"bk_host_manage":{"x":-600,"y":-500}}"#,
    ),
    obj("bk_biz_set_obj", "业务集", "Business set", "bk_organization", "icon-cc-business-set", true, ""),
    obj("bk_project", "项目", "Project", "bk_organization", "icon-cc-project", true, ""),
    obj(
        "bk_switch",
        "交换机",
        "Switch",
        "bk_network",
        "icon-cc-switch2",
        false,
        r#"{"bk_network":{"x":-200,"y":-50}}"#,
    ),
    obj("bk_router", "路由器", "Router", "bk_network", "icon-cc-router", false, r#"{"bk_network":{"x":-350,"y":-50}}"#),
    obj(
        "bk_load_balance",
        "负载均衡",
        "Load Balance",
        "bk_network",
        "icon-cc-balance",
        false,
        r#"{"bk_network":{"x":-500,"y":-50}}"#,
    ),
    obj(
        "bk_firewall",
        "防火墙",
        "Firewall",
        "bk_network",
        "icon-cc-firewall",
        false,
        r#"{"bk_network":{"x":-650,"y":-50}}"#,
    ),
];

/// The eight models whose instances only their dedicated endpoints may touch.
pub const INNER_OBJECTS: [&str; 8] =
    ["biz", "set", "module", "host", "process", "plat", "bk_biz_set_obj", "bk_project"];

pub fn is_inner(obj_id: &str) -> bool {
    INNER_OBJECTS.contains(&obj_id)
}

/// Rows of a table field live in a hidden model `bk_<model>#<field>`.
pub fn is_table_model(obj_id: &str) -> bool {
    obj_id.starts_with("bk_") && obj_id.contains('#')
}

/// Id field of a model's instances.
pub fn id_field(obj_id: &str) -> &'static str {
    if is_table_model(obj_id) {
        return "id";
    }
    match obj_id {
        "biz" => "bk_biz_id",
        "set" => "bk_set_id",
        "module" => "bk_module_id",
        "host" => "bk_host_id",
        "process" => "bk_process_id",
        "plat" => "bk_cloud_id",
        "bk_biz_set_obj" => "bk_biz_set_id",
        "bk_project" => "id",
        _ => "bk_inst_id",
    }
}

/// Name field of a model's instances.
pub fn name_field(obj_id: &str) -> &'static str {
    match obj_id {
        "biz" => "bk_biz_name",
        "set" => "bk_set_name",
        "module" => "bk_module_name",
        "host" => "bk_host_innerip",
        "process" => "bk_process_name",
        "plat" => "bk_cloud_name",
        "bk_biz_set_obj" => "bk_biz_set_name",
        "bk_project" => "bk_project_name",
        _ => "bk_inst_name",
    }
}

/// `(bk_obj_id, bk_group_id, zh, en, index)`.
pub const GROUPS: &[(&str, &str, &str, &str, i64)] = &[
    ("biz", "default", "基础信息", "Basic Info", 1),
    ("biz", "role", "角色", "Role", 2),
    ("set", "default", "基础信息", "Basic Info", 1),
    ("module", "default", "基础信息", "Basic Info", 1),
    ("host", "default", "基础信息", "Basic Info", 1),
    ("host", "auto", "主机系统配置", "Host System Config", 3),
    ("process", "default", "基础信息", "Basic Info", 1),
    ("process", "proc_port", "监听信息", "Listening Info", 2),
    ("process", "gsekit_baseinfo", "GSEkit 基本信息", "GSEkit Basic Info", 3),
    ("process", "gsekit_manage", "GSEkit 进程管理信息", "GSEkit Process Management", 4),
    ("plat", "default", "基础信息", "Basic Info", 1),
    ("bk_biz_set_obj", "default", "基础信息", "Basic Info", 1),
    ("bk_biz_set_obj", "role", "角色", "Role", 2),
    ("bk_project", "default", "基础信息", "Basic Info", 1),
    ("bk_switch", "default", "基础信息", "Basic Info", 1),
    ("bk_router", "default", "基础信息", "Basic Info", 1),
    ("bk_load_balance", "default", "基础信息", "Basic Info", 1),
    ("bk_firewall", "default", "基础信息", "Basic Info", 1),
];

/// Built-in attributes, one per line: `obj|prop|zh|en|type|flags|group|option`.
/// Flags: r required, e editable, a bk_isapi, s bk_issystem, m ismultiple, n not preset, o isonly.
/// Option: JSON, or `enum:` items `id=zh/en` separated by `,`, the default marked `id*`.
pub const ATTRIBUTES: &str = r#"
biz|bk_biz_name|业务名|Business Name|singlechar|reo|default|
biz|life_cycle|生命周期|Life Cycle|enum|e|default|enum:1=测试中/Testing,2*=已上线/Online,3=停运/Stopped
biz|bk_biz_maintainer|运维人员|Operator|objuser|rem|role|
biz|bk_biz_productor|产品人员|Productor|objuser|em|role|
biz|bk_biz_tester|测试人员|Tester|objuser|em|role|
biz|bk_biz_developer|开发人员|Developer|objuser|em|role|
biz|operator|操作人员|Maintainer|objuser|em|role|
biz|time_zone|时区|Time Zone|timezone|r|default|
biz|language|语言|Language|enum|r|default|enum:1*=中文/Chinese,2=English/English
set|bk_biz_id|业务ID|Business ID|int|a|default|{"min":"","max":""}
set|bk_set_name|集群名字|Set Name|singlechar|reo|default|
set|bk_set_desc|集群描述|Set Description|singlechar|e|default|
set|bk_set_env|环境类型|Environment|enum|e|default|enum:1=测试/Test,2=体验/Experience,3*=正式/Production
set|bk_service_status|服务状态|Service Status|enum|e|default|enum:1*=开放/Open,2=关闭/Closed
set|description|备注|Description|longchar|e|default|
set|bk_capacity|设计容量|Capacity|int|e|default|{"min":1,"max":999999999}
set|bk_parent_id|父节点ID|Parent ID|int|rs|default|{"min":"","max":""}
set|set_template_id|集群模板ID|Set Template ID|int|sa|default|{"min":"","max":""}
set|set_template_version|集群模板|Set Template Version|int|esa|default|{"min":"","max":""}
module|bk_biz_id|业务ID|Business ID|int|a|default|{"min":"","max":""}
module|bk_set_id|集群ID|Set ID|int|a|default|{"min":"","max":""}
module|bk_module_name|模块名|Module Name|singlechar|reo|default|
module|bk_module_type|模块类型|Module Type|enum|e|default|enum:1*=普通/Normal,2=数据库/Database
module|operator|主要维护人|Operator|objuser|em|default|
module|bk_bak_operator|备份维护人|Backup Operator|objuser|em|default|
module|service_category_id|服务分类ID|Service Category ID|int|rea|default|{"min":"","max":""}
module|service_template_id|服务模板ID|Service Template ID|int|ra|default|{"min":"","max":""}
module|set_template_id|集群模板ID|Set Template ID|int|sa|default|{"min":"","max":""}
module|bk_parent_id|模块实例的父节点ID|Parent ID|int|rsa|default|{"min":"","max":""}
module|host_apply_enabled|主机属性自动应用|Host Apply Enabled|bool|ea|default|
host|bk_host_innerip|内网IPv4|Inner IPv4|singlechar||default|
host|bk_host_outerip|外网IPv4|Outer IPv4|singlechar|e|default|
host|bk_host_innerip_v6|内网IPv6|Inner IPv6|singlechar||default|
host|bk_host_outerip_v6|外网IPv6|Outer IPv6|singlechar|e|default|
host|bk_agent_id|GSE Agent ID|GSE Agent ID|singlechar||default|"^[a-zA-Z0-9]{0,64}$"
host|bk_addressing|寻址方式|Addressing|enum||default|enum:static*=静态/Static,dynamic=动态/Dynamic
host|bk_cloud_id|管控区域|Control Area|foreignkey||default|
host|operator|主要维护人|Operator|objuser|em|default|
host|bk_bak_operator|备份维护人|Backup Operator|objuser|em|default|
host|bk_asset_id|固资编号|Asset ID|singlechar||default|
host|bk_sn|设备SN|Device SN|singlechar|e|default|
host|bk_comment|备注|Comment|longchar|e|default|
host|bk_service_term|质保年限|Service Term|int||default|{"min":1,"max":10}
host|bk_sla|SLA级别|SLA Level|enum|e|default|enum:1=L1/L1,2=L2/L2,3=L3/L3
host|bk_state_name|所在国家|Country|enum|e|default|enum:CN=中国/China,HK=中国香港/Hong Kong China,MO=中国澳门/Macao China,TW=中国台湾/Taiwan China,US=美国/United States,CA=加拿大/Canada,BR=巴西/Brazil,GB=英国/United Kingdom,FR=法国/France,DE=德国/Germany,NL=荷兰/Netherlands,RU=俄罗斯/Russia,IN=印度/India,JP=日本/Japan,KR=韩国/Korea,SG=新加坡/Singapore,TH=泰国/Thailand,ID=印度尼西亚/Indonesia,AU=澳大利亚/Australia,ZA=南非/South Africa
host|bk_province_name|所在省份|Province|enum|e|default|enum:110000=北京市/Beijing,120000=天津市/Tianjin,130000=河北省/Hebei,140000=山西省/Shanxi,150000=内蒙古自治区/Inner Mongolia,210000=辽宁省/Liaoning,220000=吉林省/Jilin,230000=黑龙江省/Heilongjiang,310000=上海市/Shanghai,320000=江苏省/Jiangsu,330000=浙江省/Zhejiang,340000=安徽省/Anhui,350000=福建省/Fujian,360000=江西省/Jiangxi,370000=山东省/Shandong,410000=河南省/Henan,420000=湖北省/Hubei,430000=湖南省/Hunan,440000=广东省/Guangdong,450000=广西壮族自治区/Guangxi,460000=海南省/Hainan,500000=重庆市/Chongqing,510000=四川省/Sichuan,520000=贵州省/Guizhou,530000=云南省/Yunnan,540000=西藏自治区/Tibet,610000=陕西省/Shaanxi,620000=甘肃省/Gansu,630000=青海省/Qinghai,640000=宁夏回族自治区/Ningxia,650000=新疆维吾尔自治区/Xinjiang,710000=台湾省/Taiwan,810000=香港特别行政区/Hong Kong,820000=澳门特别行政区/Macao
host|bk_isp_name|所属运营商|ISP|enum|e|default|enum:0=其它/Other,1=电信/China Telecom,2=联通/China Unicom,3=移动/China Mobile
host|bk_state|当前状态|State|list|e|default|["运营中[需告警]","运营中[无告警]","开发中[无告警]","测试中[无告警]","故障中[无告警]","待回收","已下架"]
host|bk_host_name|主机名称|Host Name|singlechar|e|auto|
host|bk_os_type|操作系统类型|OS Type|enum|e|auto|enum:1=Linux/Linux,2=Windows/Windows,3=AIX/AIX,4=Unix/Unix,5=Solaris/Solaris,7=FreeBSD/FreeBSD,8=MacOS/MacOS
host|bk_os_name|操作系统名称|OS Name|singlechar|e|auto|
host|bk_os_version|操作系统版本|OS Version|singlechar|e|auto|
host|bk_os_bit|操作系统位数|OS Bit|singlechar|e|auto|
host|bk_os_kernel_version|操作系统内核版本|OS Kernel Version|singlechar|e|auto|
host|bk_cpu|CPU逻辑核心数|CPU Logical Cores|int|e|auto|{"min":1,"max":1000000}
host|bk_cpu_module|CPU型号|CPU Model|singlechar|e|auto|
host|bk_cpu_architecture|CPU架构|CPU Architecture|enum|e|auto|enum:x86*=X86/X86,arm=ARM/ARM
host|bk_mem|内存容量(MB)|Memory (MB)|int|e|auto|{"min":1,"max":100000000}
host|bk_disk|磁盘容量(GB)|Disk (GB)|int|e|auto|{"min":1,"max":100000000}
host|bk_mac|内网MAC地址|Inner MAC|singlechar|e|auto|
host|bk_outer_mac|外网MAC地址|Outer MAC|singlechar|e|auto|
host|bk_cloud_inst_id|云主机实例ID|Cloud Instance ID|singlechar||default|
host|bk_cloud_host_status|云主机状态|Cloud Host Status|enum||default|enum:1=未知/Unknown,2=正在启动/Starting,3=运行中/Running,4=正在关机/Stopping,5=已关机/Stopped,6=已销毁/Terminated
host|bk_cloud_vendor|云厂商|Cloud Vendor|enum||default|enum:1=亚马逊云/AWS,2=腾讯云/Tencent Cloud,3=谷歌云/GCP,4=微软云/Azure,5=企业私有云/Private Cloud,6=SalesForce/SalesForce,7=Oracle Cloud/Oracle Cloud,8=IBM Cloud/IBM Cloud,9=阿里云/Alibaba Cloud,10=中国电信/China Telecom,11=UCloud/UCloud,12=美团云/Meituan Cloud,13=金山云/Kingsoft Cloud,14=百度云/Baidu Cloud,15=华为云/Huawei Cloud,16=首都云/Capital Cloud,17=腾讯自研云/Tencent Self-developed Cloud,18=Zenlayer/Zenlayer
host|bk_cloud_region|云地域（Region）|Cloud Region|singlechar||default|
host|bk_cloud_zone|云可用区（Zone）|Cloud Zone|singlechar||default|
host|bk_cloud_host_identifier|云主机标识|Cloud Host Identifier|bool|sa|default|
host|create_time|录入时间|Create Time|time||none|
host|import_from|录入方式|Import From|enum||none|enum:1=excel/excel,2=agent/agent,3=api/api
plat|bk_cloud_name|管控区域|Control Area Name|singlechar|reo|default|
plat|bk_status|状态|Status|enum||default|enum:1*=正常/Normal,2=异常/Abnormal
plat|bk_status_detail|状态详情|Status Detail|singlechar||default|
plat|bk_cloud_vendor|云厂商|Cloud Vendor|enum|e|default|enum:1=亚马逊云/AWS,2=腾讯云/Tencent Cloud,3=谷歌云/GCP,4=微软云/Azure,5=企业私有云/Private Cloud,6=SalesForce/SalesForce,7=Oracle Cloud/Oracle Cloud,8=IBM Cloud/IBM Cloud,9=阿里云/Alibaba Cloud,10=中国电信/China Telecom,11=UCloud/UCloud,12=美团云/Meituan Cloud,13=金山云/Kingsoft Cloud,14=百度云/Baidu Cloud,15=华为云/Huawei Cloud,16=首都云/Capital Cloud,17=腾讯自研云/Tencent Self-developed Cloud,18=Zenlayer/Zenlayer
plat|bk_vpc_id|VPC唯一标识|VPC ID|singlechar||default|
plat|bk_vpc_name|VPC名称|VPC Name|singlechar||default|
plat|bk_account_id|云账户ID|Cloud Account ID|int||default|{"min":"","max":""}
plat|bk_region|VPC所属地域|VPC Region|singlechar|e|default|
plat|bk_creator|创建者|Creator|objuser|e|default|
plat|bk_last_editor|最后修改人|Last Editor|objuser|e|default|
process|bk_process_id|进程ID|Process ID|int|s|default|{"min":"","max":""}
process|bk_biz_id|业务ID|Business ID|int|a|default|{"min":"","max":""}
process|bk_process_name|进程别名|Process Alias|singlechar|e|default|
process|bk_func_name|进程名称|Process Name|singlechar|re|default|
process|bk_start_param_regex|启动参数匹配规则|Start Parameter Regex|singlechar|e|default|
process|description|备注|Description|singlechar|e|default|
process|bind_info|绑定信息|Bind Info|table|e|proc_port|[{"bk_property_id":"ip","bk_property_name":"绑定IP","bk_property_type":"singlechar"},{"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"singlechar"},{"bk_property_id":"protocol","bk_property_name":"协议","bk_property_type":"enum","option":[{"id":"1","name":"TCP","type":"text","is_default":true},{"id":"2","name":"UDP","type":"text","is_default":false},{"id":"3","name":"TCP6","type":"text","is_default":false},{"id":"4","name":"UDP6","type":"text","is_default":false}]},{"bk_property_id":"enable","bk_property_name":"启用","bk_property_type":"bool"},{"bk_property_id":"template_row_id","bk_property_name":"模板行索引","bk_property_type":"int"}]
process|user|启动用户|Start User|singlechar|e|default|
process|work_path|工作路径|Work Path|longchar|e|default|
process|proc_num|启动数量|Start Count|int|e|default|{"min":1,"max":1000000}
process|priority|启动优先级|Priority|int|e|default|{"min":-100,"max":10000}
process|timeout|操作超时时长|Timeout|int|e|default|{"min":1,"max":1000000}
process|start_cmd|启动命令|Start Command|longchar|e|default|
process|stop_cmd|停止命令|Stop Command|longchar|e|default|
process|restart_cmd|重启命令|Restart Command|longchar|e|default|
process|face_stop_cmd|强制停止命令|Force Stop Command|longchar|e|default|
process|reload_cmd|进程重载命令|Reload Command|longchar|e|default|
process|pid_file|PID文件路径|PID File|longchar|e|default|
process|auto_start|是否自动拉起|Auto Start|bool|e|default|
process|bk_start_check_secs|启动等待时长|Start Check Seconds|int|e|default|{"min":0,"max":600}
bk_biz_set_obj|bk_biz_set_id|业务集ID|Business Set ID|int|a|default|{"min":"","max":""}
bk_biz_set_obj|bk_biz_set_name|业务集名|Business Set Name|singlechar|re|default|"^[^\\\\\\|/:\\*,<>\"\\?#\\s]+$"
bk_biz_set_obj|bk_biz_set_desc|业务集描述|Business Set Description|singlechar|e|default|
bk_biz_set_obj|bk_biz_maintainer|运维人员|Operator|objuser|em|role|
bk_biz_set_obj|bk_scope|业务范围|Scope|object|rea|default|
bk_project|id|ID|ID|int|a|default|{"min":"","max":""}
bk_project|bk_project_id|项目ID|Project ID|singlechar|a|default|
bk_project|bk_project_name|项目名称|Project Name|singlechar|re|default|
bk_project|bk_project_code|项目英文名|Project Code|singlechar|r|default|
bk_project|bk_project_desc|项目描述|Project Description|longchar|e|default|
bk_project|bk_project_type|项目类型|Project Type|enum|re|default|enum:mobile_game=手游/Mobile Game,pc_game=端游/PC Game,web_game=页游/Web Game,platform_prod=平台产品/Platform Product,support_prod=支撑产品/Support Product,other*=其他/Other
bk_project|bk_project_sec_lvl|保密级别|Security Level|enum|e|default|enum:public*=公开/Public,private=私有/Private,classified=机密/Classified
bk_project|bk_project_owner|项目负责人|Project Owner|objuser|rem|default|
bk_project|bk_project_team|所属团队|Team|organization|em|default|
bk_project|bk_status|项目状态|Status|enum|e|default|enum:enable*=启用/Enabled,disabled=停用/Disabled
bk_project|bk_project_icon|项目图标|Project Icon|singlechar|e|default|
"#;

/// Attributes shared by the four network models (`bk_asset_id` and `bk_inst_name` preset).
pub const NETWORK_ATTRIBUTES: &str = r#"
bk_asset_id|固资编号|Asset ID|singlechar|r|default|
bk_inst_name|名称|Name|singlechar|re|default|
bk_sn|SN|SN|singlechar|en|default|
bk_func|用途|Function|singlechar|en|default|
bk_vendor|厂商|Vendor|singlechar|en|default|
bk_model|设备型号|Model|singlechar|en|default|
bk_admin_ip|管理IP|Admin IP|singlechar|en|default|"^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$"
bk_operator|维护人|Maintainer|singlechar|en|default|
bk_os_detail|操作系统详情|OS Detail|singlechar|en|default|
bk_detail|详细描述|Detail|longchar|en|default|
bk_biz_status|运营状态|Operation Status|enum|en|default|enum:1=待运营/Pending,2*=运营中/Operating,3=已停运/Stopped
"#;

pub const NETWORK_OBJECTS: [&str; 4] = ["bk_switch", "bk_router", "bk_load_balance", "bk_firewall"];

/// The four recorded fields every model has: `(prop, zh, en, type)`.
pub const RECORDED_FIELDS: [(&str, &str, &str, &str); 4] = [
    ("bk_created_at", "创建时间", "Created At", "time"),
    ("bk_created_by", "创建人", "Created By", "objuser"),
    ("bk_updated_at", "更新时间", "Updated At", "time"),
    ("bk_updated_by", "更新人", "Updated By", "objuser"),
];

/// `bk_inst_name` of user models: zh and en name.
pub const INST_NAME_FIELD: (&str, &str) = ("实例名", "Instance Name");

/// One parsed built-in attribute line.
#[derive(Debug, Clone)]
pub struct AttrSpec {
    pub obj: String,
    pub prop: String,
    pub zh: String,
    pub en: String,
    pub ty: String,
    pub required: bool,
    pub editable: bool,
    pub api: bool,
    pub system: bool,
    pub multiple: bool,
    pub preset: bool,
    pub only: bool,
    pub group: String,
    pub option: serde_json::Value,
    /// English names of enum options: id → name.
    pub enum_en: Vec<(String, String)>,
}

fn parse_option(s: &str) -> (serde_json::Value, Vec<(String, String)>) {
    if let Some(items) = s.strip_prefix("enum:") {
        let mut opts = Vec::new();
        let mut en = Vec::new();
        for item in items.split(',') {
            let (id, names) = item.split_once('=').expect("enum item id=name");
            let (zh, e) = names.split_once('/').unwrap_or((names, names));
            let (id, def) = match id.strip_suffix('*') {
                Some(i) => (i, true),
                None => (id, false),
            };
            opts.push(serde_json::json!({"id": id, "name": zh, "type": "text", "is_default": def}));
            en.push((id.to_string(), e.to_string()));
        }
        (serde_json::Value::Array(opts), en)
    } else if s.is_empty() {
        (serde_json::Value::Null, vec![])
    } else {
        (serde_json::from_str(s).expect("builtin option JSON"), vec![])
    }
}

fn parse_line(obj: &str, cols: &[&str]) -> AttrSpec {
    let flags = cols[4];
    let (option, enum_en) = parse_option(cols[6]);
    AttrSpec {
        obj: obj.to_string(),
        prop: cols[0].to_string(),
        zh: cols[1].to_string(),
        en: cols[2].to_string(),
        ty: cols[3].to_string(),
        required: flags.contains('r') || flags.contains('o'),
        editable: flags.contains('e'),
        api: flags.contains('a'),
        system: flags.contains('s'),
        multiple: flags.contains('m'),
        preset: !flags.contains('n'),
        only: flags.contains('o'),
        group: cols[5].to_string(),
        option,
        enum_en,
    }
}

/// Every built-in attribute (recorded fields excluded), in creation order.
pub fn attributes() -> Vec<AttrSpec> {
    let mut out = Vec::new();
    for line in ATTRIBUTES.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.splitn(8, '|').collect();
        out.push(parse_line(cols[0], &cols[1..]));
    }
    for obj in NETWORK_OBJECTS {
        for line in NETWORK_ATTRIBUTES.lines().filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.splitn(7, '|').collect();
            out.push(parse_line(obj, &cols));
        }
    }
    out
}

/// `(bk_asst_id, name zh, src_des zh, dest_des zh, name en, src en, dest en)`.
pub const ASSOCIATION_KINDS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    ("belong", "属于", "属于", "包含", "belong", "belong", "contain"),
    ("group", "组成", "组成", "组成于", "group", "group", "group by"),
    ("bk_mainline", "拓扑组成", "组成", "组成于", "mainline", "group", "group by"),
    ("run", "运行", "运行于", "运行", "run on", "run on", "run"),
    ("connect", "上联", "上联", "下联", "connect", "connect", "connected"),
    ("default", "默认关联", "关联", "被关联", "default association", "associate", "associate"),
];

/// `(bk_obj_id, bk_asst_obj_id, kind, mapping, ispre)`.
pub const OBJECT_ASSOCIATIONS: &[(&str, &str, &str, &str, bool)] = &[
    ("set", "biz", "bk_mainline", "1:1", false),
    ("module", "set", "bk_mainline", "1:1", true),
    ("host", "module", "bk_mainline", "1:1", true),
    ("bk_switch", "host", "connect", "1:n", false),
];

/// Unique rules: `(bk_obj_id, keys, ispre)`.
pub const UNIQUES: &[(&str, &[&str], bool)] = &[
    ("biz", &["bk_biz_name"], true),
    ("set", &["bk_biz_id", "bk_set_name", "bk_parent_id"], true),
    ("module", &["bk_biz_id", "bk_set_id", "bk_module_name"], true),
    ("host", &["bk_host_innerip", "bk_cloud_id"], true),
    ("host", &["bk_host_innerip_v6", "bk_cloud_id"], true),
    ("host", &["bk_agent_id"], true),
    ("host", &["bk_host_outerip"], false),
    ("host", &["bk_cloud_inst_id", "bk_cloud_vendor"], false),
    ("plat", &["bk_cloud_name"], true),
    ("plat", &["bk_vpc_id"], false),
    ("bk_biz_set_obj", &["bk_biz_set_name"], true),
    ("bk_biz_set_obj", &["bk_biz_set_id"], true),
    ("bk_switch", &["bk_asset_id"], false),
    ("bk_router", &["bk_asset_id"], false),
    ("bk_load_balance", &["bk_asset_id"], false),
    ("bk_firewall", &["bk_asset_id"], false),
];

/// Preset service categories: `(parent name or "", name)`, in creation order (ids 1..20).
pub const SERVICE_CATEGORIES: &[(&str, &str)] = &[
    ("", "Default"),
    ("Default", "Default"),
    ("", "数据库"),
    ("数据库", "Mysql"),
    ("数据库", "Redis"),
    ("数据库", "Oracle"),
    ("数据库", "SQLServer"),
    ("数据库", "MongoDB"),
    ("数据库", "Etcd"),
    ("数据库", "Zookeeper"),
    ("", "消息队列"),
    ("消息队列", "Kafka"),
    ("消息队列", "RabbitMQ"),
    ("", "HTTP 服务"),
    ("HTTP 服务", "Nginx"),
    ("HTTP 服务", "Apache"),
    ("HTTP 服务", "Tomcat"),
    ("", "存储"),
    ("存储", "Ceph"),
    ("存储", "NFS"),
];

/// Models that take part in the business topology by default.
pub const MAINLINE: [&str; 4] = ["biz", "set", "module", "host"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_attributes_parse() {
        let attrs = attributes();
        assert!(attrs.iter().any(|a| a.obj == "biz" && a.prop == "bk_biz_name" && a.required));
        let life = attrs.iter().find(|a| a.prop == "life_cycle").unwrap();
        assert_eq!(life.option.as_array().unwrap().len(), 3);
        assert_eq!(attrs.iter().filter(|a| a.obj == "bk_switch").count(), 11);
        for a in &attrs {
            let ty = crate::attr::PropertyType::parse(&a.ty).unwrap_or_else(|| panic!("{}", a.prop));
            if matches!(ty, crate::attr::PropertyType::Singlechar | crate::attr::PropertyType::Longchar) {
                crate::attr::validate_option(ty, &a.option, false, true).unwrap_or_else(|e| panic!("{}: {e}", a.prop));
            }
        }
    }
}
