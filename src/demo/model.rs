//! A small, deterministic survival model: logistic regression with fixed coefficients.
//!
//! The coefficients are in the range a plain logistic regression fitted on the Titanic
//! training set gives; they are fixed so that predictions are repeatable and cost real
//! (if small) computation per record.

/// The features of one passenger the model reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Passenger {
    /// Ticket class: 1, 2 or 3.
    pub(crate) class: u8,
    /// Whether the passenger is female.
    pub(crate) female: bool,
    /// Age in years, `None` when unknown.
    pub(crate) age: Option<f64>,
    /// Siblings and spouses aboard.
    pub(crate) sibsp: u32,
    /// Parents and children aboard.
    pub(crate) parch: u32,
    /// Ticket fare.
    pub(crate) fare: f64,
    /// Whether the cabin is known.
    pub(crate) has_cabin: bool,
    /// Port of embarkation, `None` when unknown.
    pub(crate) embarked: Option<Port>,
}

/// Port of embarkation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Port {
    /// Southampton (`S`).
    Southampton,
    /// Cherbourg (`C`).
    Cherbourg,
    /// Queenstown (`Q`).
    Queenstown,
}

/// Age used when a passenger's age is unknown: the training set's median.
const MEDIAN_AGE: f64 = 28.0;

const INTERCEPT: f64 = 1.2;
const FEMALE: f64 = 2.6;
const SECOND_CLASS: f64 = -0.9;
const THIRD_CLASS: f64 = -2.0;
const AGE_PER_YEAR: f64 = -0.035;
const LOG_FARE: f64 = 0.15;
const FAMILY_MEMBER: f64 = -0.25;
const CABIN_KNOWN: f64 = 0.5;
const CHERBOURG: f64 = 0.4;
const QUEENSTOWN: f64 = 0.1;

/// The probability that the passenger survived, in `(0, 1)`.
pub(crate) fn survival_probability(p: &Passenger) -> f64 {
    let class = match p.class {
        2 => SECOND_CLASS,
        3 => THIRD_CLASS,
        _ => 0.0,
    };
    // An unknown port counts as Southampton, where most passengers embarked.
    let port = match p.embarked {
        Some(Port::Cherbourg) => CHERBOURG,
        Some(Port::Queenstown) => QUEENSTOWN,
        Some(Port::Southampton) | None => 0.0,
    };
    let family = f64::from(p.sibsp) + f64::from(p.parch);
    let z = INTERCEPT
        + if p.female { FEMALE } else { 0.0 }
        + class
        + AGE_PER_YEAR * p.age.unwrap_or(MEDIAN_AGE)
        + LOG_FARE * p.fare.max(0.0).ln_1p()
        + FAMILY_MEMBER * family
        + if p.has_cabin { CABIN_KNOWN } else { 0.0 }
        + port;
    1.0 / (1.0 + (-z).exp())
}

/// The prediction as the API returns it: `"1"` survived (probability ≥ 0.5), else `"0"`.
pub(crate) fn predict(p: &Passenger) -> &'static str {
    if survival_probability(p) >= 0.5 {
        "1"
    } else {
        "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adult_male_third_class() -> Passenger {
        Passenger {
            class: 3,
            female: false,
            age: Some(30.0),
            sibsp: 0,
            parch: 0,
            fare: 7.25,
            has_cabin: false,
            embarked: Some(Port::Southampton),
        }
    }

    #[test]
    fn first_class_female_child_survives() {
        let child = Passenger {
            class: 1,
            female: true,
            age: Some(6.0),
            sibsp: 1,
            parch: 2,
            fare: 151.55,
            has_cabin: true,
            embarked: Some(Port::Southampton),
        };
        assert_eq!(predict(&child), "1");
        assert!(survival_probability(&child) > 0.9);
    }

    #[test]
    fn third_class_adult_male_does_not_survive() {
        let man = adult_male_third_class();
        assert_eq!(predict(&man), "0");
        assert!(survival_probability(&man) < 0.2);
    }

    #[test]
    fn unknown_age_counts_as_the_median() {
        let known = Passenger {
            age: Some(MEDIAN_AGE),
            ..adult_male_third_class()
        };
        let unknown = Passenger {
            age: None,
            ..adult_male_third_class()
        };
        assert_eq!(survival_probability(&known), survival_probability(&unknown));
    }

    #[test]
    fn unknown_port_counts_as_southampton() {
        let unknown = Passenger {
            embarked: None,
            ..adult_male_third_class()
        };
        assert_eq!(
            survival_probability(&unknown),
            survival_probability(&adult_male_third_class())
        );
    }

    #[test]
    fn every_feature_moves_the_probability() {
        let base = survival_probability(&adult_male_third_class());
        let changed = [
            Passenger {
                female: true,
                ..adult_male_third_class()
            },
            Passenger {
                class: 1,
                ..adult_male_third_class()
            },
            Passenger {
                class: 2,
                ..adult_male_third_class()
            },
            Passenger {
                age: Some(5.0),
                ..adult_male_third_class()
            },
            Passenger {
                fare: 80.0,
                ..adult_male_third_class()
            },
            Passenger {
                sibsp: 3,
                ..adult_male_third_class()
            },
            Passenger {
                parch: 3,
                ..adult_male_third_class()
            },
            Passenger {
                has_cabin: true,
                ..adult_male_third_class()
            },
            Passenger {
                embarked: Some(Port::Cherbourg),
                ..adult_male_third_class()
            },
            Passenger {
                embarked: Some(Port::Queenstown),
                ..adult_male_third_class()
            },
        ];
        for p in &changed {
            assert_ne!(survival_probability(p), base, "{p:?}");
        }
    }
}
