"""Localized titles and descriptions of the purpose catalogue.

The words people read about each purpose live here, apart from the rules in ``purposes.py``
(legal basis, channel, withdrawability), so that wording can be reviewed and corrected by
translators without touching the logic. Keyed by purpose id, then by locale ("ky", "ru",
"en"); the wording follows the shop's privacy policy, whose Kyrgyz text is the original.
"""

# Kyrgyz and Russian text is Cyrillic on purpose: letters that look Latin are not a mistake.
# ruff: noqa: RUF001

from typing import Final

TITLES: Final[dict[str, dict[str, str]]] = {
    "personalization": {
        "ky": "Тажрыйбаңызды жекелештирүү",
        "ru": "Персональные покупки",
        "en": "Personalised shopping",
    },
    "site_improvement": {
        "ky": "Веб-сайтты жакшыртуу",
        "ru": "Улучшение сайта",
        "en": "Improving our website",
    },
    "customer_service": {
        "ky": "Кардарларды тейлөөнү жакшыртуу",
        "ru": "Улучшение обслуживания клиентов",
        "en": "Better customer service",
    },
    "transactions": {
        "ky": "Буйрутма, төлөм жана жеткирүү",
        "ru": "Заказы, оплата и доставка",
        "en": "Orders, payment and delivery",
    },
    "promotions": {
        "ky": "Конкурстар жана атайын акциялар",
        "ru": "Конкурсы и специальные акции",
        "en": "Contests and special promotions",
    },
    "surveys": {
        "ky": "Сурамжылоолорго катышуу",
        "ru": "Участие в опросах",
        "en": "Customer surveys",
    },
    "newsletters": {
        "ky": "Маалымат бюллетени",
        "ru": "Новостная рассылка",
        "en": "Email newsletter",
    },
}

DESCRIPTIONS: Final[dict[str, dict[str, str]]] = {
    "personalization": {
        "ky": (
            "Биз сиздин маалыматыңызды жеке муктаждыктарыңызга жакшыраак жооп берүү үчүн "
            "колдонобуз, ошондо дүкөн сизге ылайыктуу сунуштарды көрсөтөт."
        ),
        "ru": (
            "Мы используем ваши данные, чтобы лучше учитывать ваши личные потребности "
            "и показывать в магазине то, что подходит именно вам."
        ),
        "en": (
            "We use your information to respond better to your individual needs, "
            "so that the shop shows you what suits you."
        ),
    },
    "site_improvement": {
        "ky": (
            "Биз сиздин маалыматыңызды жана пикирлериңизди веб-сайтыбызды жакшыртуу үчүн "
            "колдонобуз, ошондо биздин дүкөндөн сатып алуу сиз үчүн ыңгайлуураак болот."
        ),
        "ru": (
            "Мы используем ваши данные и отзывы, чтобы улучшать сайт "
            "и делать покупки у нас удобнее."
        ),
        "en": (
            "We use your information and feedback to improve our website, "
            "so that shopping with us gets easier."
        ),
    },
    "customer_service": {
        "ky": (
            "Биз сиздин маалыматыңызды тейлөө боюнча өтүнүчтөрүңүзгө жана колдоо "
            "муктаждыктарыңызга тезирээк жана натыйжалуураак жооп берүү үчүн колдонобуз."
        ),
        "ru": (
            "Мы используем ваши данные, чтобы быстрее и точнее отвечать на ваши обращения "
            "и запросы в службу поддержки."
        ),
        "en": (
            "We use your information to answer your service requests and support needs "
            "faster and more effectively."
        ),
    },
    "transactions": {
        "ky": (
            "Биз сиздин маалыматыңызды буйрутмаңызды иштетүү, төлөмдү аткаруу жана сатып "
            "алган өнүмдөрүңүздү же сураган кызматтарыңызды жеткирүү үчүн колдонобуз."
        ),
        "ru": (
            "Мы используем ваши данные, чтобы обработать заказ, провести оплату "
            "и доставить купленные товары или заказанные услуги."
        ),
        "en": (
            "We use your information to process your order, take payment and deliver "
            "the products or services you asked for."
        ),
    },
    "promotions": {
        "ky": (
            "Биз сизге электрондук почта аркылуу конкурстар, атайын акциялар жана сайттын "
            "башка мүмкүнчүлүктөрү тууралуу кабар беребиз, ошондо сиз аларга катыша аласыз."
        ),
        "ru": (
            "Мы пишем вам на электронную почту о конкурсах, специальных акциях и других "
            "возможностях сайта, чтобы вы могли в них участвовать."
        ),
        "en": (
            "We email you about contests, special promotions and other features of our site, "
            "so that you can take part."
        ),
    },
    "surveys": {
        "ky": (
            "Биз сизге электрондук почта аркылуу сурамжылоолорду жөнөтөбүз, ошондо сиз "
            "дүкөн тууралуу оюңузду бизге билдире аласыз."
        ),
        "ru": (
            "Мы присылаем вам опросы на электронную почту, чтобы вы могли рассказать нам, "
            "что думаете о магазине."
        ),
        "en": "We email you our surveys, so that you can tell us what you think of the shop.",
    },
    "newsletters": {
        "ky": (
            "Биз сизге мезгил-мезгили менен компаниянын жаңылыктары, жаңыртуулары жана "
            "тиешелүү өнүмдөр менен кызматтар тууралуу маалымат камтылган электрондук "
            "каттарды жөнөтөбүз."
        ),
        "ru": (
            "Мы время от времени присылаем вам письма с новостями компании, обновлениями "
            "и сведениями о связанных товарах и услугах."
        ),
        "en": (
            "We send you occasional emails with company news, updates and information "
            "about related products and services."
        ),
    },
}
