//! Placeholder until the theme module lands.
#[derive(Debug, Clone, Default)]
pub struct Theme;
impl Theme {
    pub fn mono() -> Theme {
        Theme
    }
    pub fn load(_name: &str, _dirs: &[std::path::PathBuf]) -> Result<Theme, String> {
        Ok(Theme)
    }
}
