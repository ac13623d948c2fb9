//! What the API shows of a tournament and of a player in it.

use serde::Serialize;

use super::Tournaments;
use super::db::TournamentRecord;
use super::error::TournamentError;
use super::rules::RewardTier;

/// A day's tournament.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TournamentView {
    /// The date, `YYYY-MM-DD`.
    pub id: String,
    /// `open` or `final`.
    pub state: String,
    /// Whether an entry made now is taken.
    pub entry_open: bool,
    pub opens_at_ms: i64,
    pub entry_closes_at_ms: i64,
    pub ends_at_ms: i64,
    pub currency: String,
    pub entry_fee: i64,
    pub min_level: u32,
    pub group_size: u32,
    pub rewards: Vec<RewardTier>,
    pub entries: i64,
    pub groups: i64,
    /// The tournament component's version that made it.
    pub version: String,
    /// The tournament's clock now, Unix milliseconds.
    pub now_ms: i64,
}

/// A participant's place in their group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MyStanding {
    pub tournament: String,
    pub player: String,
    pub group: i64,
    pub score: i64,
    /// Rank within the group (1 is first), as the group's board shows it;
    /// final once `final` is true.
    pub rank: u64,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// What the rank pays (at the end: what a claim pays).
    pub reward: i64,
    pub currency: String,
    /// When the reward was claimed; `null` until then.
    pub claimed_at_ms: Option<i64>,
    pub entered_at_ms: i64,
}

impl Tournaments {
    /// Tournament `id` (today's is made if missing) as the API shows it.
    pub async fn view(&self, game: &str, id: &str) -> Result<TournamentView, TournamentError> {
        let t = self.read(game, id).await?;
        Ok(self.view_of(&t))
    }

    fn view_of(&self, t: &TournamentRecord) -> TournamentView {
        let now = self.now_ms();
        let r = &t.rules;
        TournamentView {
            id: t.tournament.clone(),
            state: t.state.clone(),
            entry_open: !t.is_final() && r.entry_open(now),
            opens_at_ms: r.opens_at_ms,
            entry_closes_at_ms: r.entry_closes_at_ms,
            ends_at_ms: r.ends_at_ms,
            currency: r.currency.clone(),
            entry_fee: r.entry_fee,
            min_level: r.min_level,
            group_size: r.group_size,
            rewards: r.rewards.clone(),
            entries: t.entries,
            groups: t.group_count,
            version: t.version.clone(),
            now_ms: now,
        }
    }

    /// `player`'s standing in tournament `id` (`NotEntered` if they are in
    /// no group): rank and score from their group's board.
    pub async fn standing(
        &self,
        game: &str,
        id: &str,
        player: &str,
    ) -> Result<MyStanding, TournamentError> {
        let t = self.read(game, id).await?;
        let p = self.participant(game, &t, player).await?;
        let mut board = self
            .board(game, &t.tournament, Some(p.group_no), false)
            .await?;
        if board.standing_of(player).is_none() {
            // Entered after the board was read.
            board = self
                .board(game, &t.tournament, Some(p.group_no), true)
                .await?;
        }
        let (rank, score) = board
            .standing_of(player)
            .map_or((0, p.score), |s| (s.rank, s.score));
        let (rank, score) = match p.final_rank {
            Some(r) => (u64::try_from(r).unwrap_or_default(), p.score),
            None => (rank, score),
        };
        Ok(MyStanding {
            tournament: t.tournament.clone(),
            player: p.player.clone(),
            group: p.group_no,
            score,
            rank,
            is_final: t.is_final(),
            reward: p
                .reward
                .unwrap_or_else(|| t.rules.reward_for(i64::try_from(rank).unwrap_or(0))),
            currency: t.rules.currency.clone(),
            claimed_at_ms: p.claimed_at_ms,
            entered_at_ms: p.entered_at_ms,
        })
    }
}
