//! Who is calling and what they may do: roles, permissions (mapped to roles in one place),
//! the `Principal` the gateway builds from a verified credential, and `Scope`, the one way
//! domains limit a query to what the caller owns.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    Seller,
    Customer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Seller, Role::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Seller => "seller",
            Role::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The permissions of this role: the one table that maps roles to permissions.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let list: &[Permission] = match self {
            Role::Admin => &Permission::ALL,
            Role::Staff => &[
                CatalogWrite,
                CatalogManageAll,
                InventoryAdjust,
                OrdersReadAll,
                OrdersManage,
                PosOperate,
                ReportsRead,
                PaymentsRefund,
                ShippingManage,
            ],
            Role::Seller => &[CatalogWrite, InventoryAdjust, OrdersReadOwnLines],
            Role::Customer => &[],
        };
        PermissionSet::from_slice(list)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a caller may be allowed to do beyond acting on their own things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Permission {
    #[serde(rename = "catalog.write")]
    CatalogWrite,
    /// Act on every seller's products and their stock, and on the store's categories;
    /// without it, `catalog.write` and `inventory.adjust` reach only the caller's own.
    #[serde(rename = "catalog.manage_all")]
    CatalogManageAll,
    #[serde(rename = "inventory.adjust")]
    InventoryAdjust,
    #[serde(rename = "orders.read_all")]
    OrdersReadAll,
    #[serde(rename = "orders.read_own_lines")]
    OrdersReadOwnLines,
    #[serde(rename = "orders.manage")]
    OrdersManage,
    #[serde(rename = "users.manage")]
    UsersManage,
    #[serde(rename = "pos.operate")]
    PosOperate,
    #[serde(rename = "reports.read")]
    ReportsRead,
    #[serde(rename = "payments.refund")]
    PaymentsRefund,
    #[serde(rename = "shipping.manage")]
    ShippingManage,
    #[serde(rename = "settings.manage")]
    SettingsManage,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::CatalogWrite,
        Permission::CatalogManageAll,
        Permission::InventoryAdjust,
        Permission::OrdersReadAll,
        Permission::OrdersReadOwnLines,
        Permission::OrdersManage,
        Permission::UsersManage,
        Permission::PosOperate,
        Permission::ReportsRead,
        Permission::PaymentsRefund,
        Permission::ShippingManage,
        Permission::SettingsManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::CatalogWrite => "catalog.write",
            Permission::CatalogManageAll => "catalog.manage_all",
            Permission::InventoryAdjust => "inventory.adjust",
            Permission::OrdersReadAll => "orders.read_all",
            Permission::OrdersReadOwnLines => "orders.read_own_lines",
            Permission::OrdersManage => "orders.manage",
            Permission::UsersManage => "users.manage",
            Permission::PosOperate => "pos.operate",
            Permission::ReportsRead => "reports.read",
            Permission::PaymentsRefund => "payments.refund",
            Permission::ShippingManage => "shipping.manage",
            Permission::SettingsManage => "settings.manage",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions as a bit set: checking one is a single AND.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub fn from_slice(list: &[Permission]) -> Self {
        PermissionSet(list.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Whether every permission in `other` is also in `self`.
    pub fn covers(self, other: PermissionSet) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn intersect(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user's access token (bearer header or cookie).
    User { via_cookie: bool },
    /// An integration's API key, named by its id.
    ApiKey { key_id: String },
}

/// A verified caller. Only the gateway creates one, from a checked token or key.
#[derive(Debug, Clone)]
pub struct Principal {
    user_id: String,
    role: Role,
    permissions: PermissionSet,
    credential: Credential,
}

impl Principal {
    /// Called by the gateway once a credential has been verified; nothing else should.
    pub fn verified(
        user_id: String,
        role: Role,
        permissions: PermissionSet,
        credential: Credential,
    ) -> Self {
        Self {
            user_id,
            role,
            permissions,
            credential,
        }
    }

    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn permissions(&self) -> PermissionSet {
        self.permissions
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(p)
    }

    /// `Ok` when the caller holds `p`, else a 403 naming it: for checks that depend on
    /// the request's content (acting for another user), where no extractor can decide.
    pub fn require(&self, p: Permission) -> Result<(), crate::http::AppError> {
        if self.has(p) {
            Ok(())
        } else {
            Err(crate::http::AppError::Forbidden(format!(
                "this needs the {} permission",
                p.as_str()
            )))
        }
    }

    /// The rows this caller may see of something owned by users: everything with
    /// `see_all`, otherwise only their own. Store queries take a `Scope`, so a domain
    /// cannot forget the ownership filter.
    pub fn scope(&self, see_all: Permission) -> Scope {
        if self.has(see_all) {
            Scope::All
        } else {
            Scope::Owner(self.user_id.clone())
        }
    }
}

/// The owner filter for a query, made only from a `Principal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Owner(String),
}

impl Scope {
    /// Whether a row owned by `owner_id` is visible in this scope.
    pub fn allows(&self, owner_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Owner(me) => me == owner_id,
        }
    }

    /// `Ok` when the row is visible, else a 404 (a 403 would tell that it exists).
    pub fn check(&self, owner_id: &str) -> Result<(), crate::http::AppError> {
        if self.allows(owner_id) {
            Ok(())
        } else {
            Err(crate::http::AppError::NotFound("not found".into()))
        }
    }
}

/// What the gateway asks the users domain on every authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub role: Role,
    /// Bumped when the role changes, the account is disabled, the password changes or the
    /// user logs out everywhere: tokens carrying an older version stop working at once.
    pub auth_version: i64,
    pub active: bool,
}

/// A fresh pair of tokens.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub user_id: String,
    pub access_token: String,
    pub access_expires_in: i64,
    /// `None` when a concurrent request already rotated the refresh token within the
    /// grace window: the caller keeps the refresh token it was just given.
    pub refresh_token: Option<String>,
}

/// Device details kept with a refresh token.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: Option<String>,
}

/// The identity contract, implemented by the users domain and used by the gateway.
#[async_trait::async_trait]
pub trait IdentityApi: Send + Sync {
    /// The current role, version and status of a user, or `None` if there is no such user.
    async fn session_state(
        &self,
        user_id: &str,
    ) -> Result<Option<SessionState>, crate::http::AppError>;

    /// Rotates a refresh token (reuse of a rotated one revokes its whole family).
    async fn refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<IssuedTokens, crate::http::AppError>;

    /// Verifies an API key; `None` for unknown or revoked keys.
    async fn verify_api_key(
        &self,
        key: &str,
    ) -> Result<Option<ApiKeyIdentity>, crate::http::AppError>;
}

/// A verified API key: it acts for its owner with at most the owner's permissions.
#[derive(Debug, Clone)]
pub struct ApiKeyIdentity {
    pub key_id: String,
    pub owner_id: String,
    pub role: Role,
    pub permissions: PermissionSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_permissions_in_one_place() {
        assert!(Role::Admin.permissions().contains(Permission::UsersManage));
        assert!(!Role::Staff.permissions().contains(Permission::UsersManage));
        assert!(Role::Staff.permissions().contains(Permission::PosOperate));
        assert!(
            Role::Seller
                .permissions()
                .contains(Permission::CatalogWrite)
        );
        assert!(
            !Role::Seller
                .permissions()
                .contains(Permission::OrdersReadAll)
        );
        assert_eq!(Role::Customer.permissions().iter().count(), 0);
    }

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::json!(p.as_str())
            );
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn scopes_hide_other_owners_rows() {
        let customer = Principal::verified(
            "u1".into(),
            Role::Customer,
            Role::Customer.permissions(),
            Credential::User { via_cookie: false },
        );
        let scope = customer.scope(Permission::OrdersReadAll);
        assert!(scope.allows("u1"));
        assert!(!scope.allows("u2"));
        assert!(scope.check("u2").is_err());
        let staff = Principal::verified(
            "s1".into(),
            Role::Staff,
            Role::Staff.permissions(),
            Credential::User { via_cookie: false },
        );
        assert_eq!(staff.scope(Permission::OrdersReadAll), Scope::All);
    }

    #[test]
    fn api_key_permissions_must_be_covered() {
        let admin = Role::Admin.permissions();
        let wanted = PermissionSet::from_slice(&[Permission::CatalogWrite]);
        assert!(admin.covers(wanted));
        assert!(!Role::Customer.permissions().covers(wanted));
    }
}
